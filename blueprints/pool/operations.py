"""State transitions of registrations and the pool: each checks, changes inside db.atomic(), and audits."""
from peewee import IntegrityError

import audit
import ladder
import rules
import settings
from accounts import create_user
from database import compare_and_set
from models import (
    EligibilityCheck,
    MessageKind,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    Subject,
    SubjectMessage,
    SubjectSource,
    SubjectStatus,
    VetoCheck,
    db,
    local_now,
)
from rules import Refused

DUPLICATE_MESSAGE = "该统一社会信用代码已登记。如需变更或找回账号，请联系{bureau}"
DUPLICATE_MESSAGE_STAFF = "该统一社会信用代码已登记（{name}）。如需变更或找回账号，请联系{bureau}"


def _handled_meanwhile(status):
    """The loser's message when another person decided the registration first."""
    return f"该登记已被其他人处理（当前状态：{SubjectStatus.label_of(status)}），请刷新页面"


def duplicate_message(existing, by=None):
    """The credit code is taken: how to reach the bureau. Only staff learn whose code it is; anyone else typing
    codes into a form must not be told which enterprise is registered behind each."""
    values = settings.get_all()
    bureau = values["bureau_name"] or "市工业和信息化主管部门"
    if values["bureau_phone"]:
        bureau += f"（电话 {values['bureau_phone']}）"
    message = DUPLICATE_MESSAGE_STAFF if by is not None and by.is_staff else DUPLICATE_MESSAGE
    return message.format(name=existing.name, bureau=bureau)


def _check_unique_code(credit_code, subject_id=None, by=None):
    query = Subject.select().where(Subject.credit_code == credit_code)
    if subject_id is not None:
        query = query.where(Subject.id != subject_id)
    existing = query.first()
    if existing:
        raise Refused(duplicate_message(existing, by))


def register(profile, username, password, *, source=SubjectSource.SELF.value, by=None):
    """A registrant (or staff on its behalf) records interest: a pending Subject and, for a registrant, its account."""
    _check_unique_code(profile["credit_code"], by=by)
    try:
        with db.atomic():
            now = local_now()
            subject = Subject.create(**profile, source=source, status=SubjectStatus.PENDING.value,
                                     rung=Rung.INTEREST.value, created_at=now, updated_at=now)
            user = None
            if username:
                user, _ = create_user(username, Role.ENTERPRISE.value, profile["name"], password,
                                      by=by, subject=subject, phone=profile["contact_phone"])
            audit.record("subject.register", subject, user=by or user, details={"source": source})
    except IntegrityError:  # a concurrent registration of the same code or username
        raise Refused("该统一社会信用代码或用户名刚刚已被登记，请核对后重试")
    return subject, user


def latest_checks(subject):
    """The newest eligibility row per item and veto row per condition: ({key: row}, {key: row})."""
    eligibility = {row.item_key: row for row in
                   EligibilityCheck.select().where(EligibilityCheck.subject == subject).order_by(EligibilityCheck.id)}
    veto = {row.condition_key: row for row in
            VetoCheck.select().where(VetoCheck.subject == subject).order_by(VetoCheck.id)}
    return eligibility, veto


def admission_problems(subject):
    eligibility, veto = latest_checks(subject)
    return rules.admission_problems(subject.kind, {k: r.result for k, r in eligibility.items()},
                                    {k: r.result for k, r in veto.items()}, subject.park_value_added_share)


def record_eligibility(subject, item_key, result, evidence, by):
    """Record one 第六/七/八条 item for the subject (a new row; earlier ones stay)."""
    if item_key not in {key for key, _, _ in rules.eligibility_items(subject.kind)}:
        raise Refused("该检查项不适用于此类培育对象")
    with db.atomic():
        row = EligibilityCheck.create(subject=subject, item_key=item_key, result=result, evidence=evidence or "",
                                      checked_by=by, checked_at=local_now())
        audit.record("subject.eligibility", subject, user=by, details={"item": item_key, "result": result})
    return row


def record_veto(subject, condition_key, result, source, checked_on, evidence, by):
    """Record one 第十五条 veto condition check (a new row; earlier ones stay)."""
    if condition_key not in {key for key, _, _ in rules.VETO_CONDITIONS}:
        raise Refused("未知的否决条件")
    if checked_on > local_now().date():
        raise Refused("核查日期不能晚于今天")
    with db.atomic():
        row = VetoCheck.create(subject=subject, condition_key=condition_key, result=result, source=source,
                               checked_on=checked_on, evidence=evidence or "", checked_by=by)
        audit.record("subject.veto_check", subject, user=by,
                     details={"condition": condition_key, "result": result, "source": source, "date": checked_on})
    return row


def admit(subject, year_admitted, potential, owner, by):
    """Admit a registration into the pool (第十条), only when 第六至八条 are met and 第十五条 is all clear."""
    if subject.status not in (SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value):
        raise Refused(f"该登记当前状态为「{subject.status_enum.label}」，不能入库")
    problems = admission_problems(subject)
    if problems:
        raise Refused("不能纳入培育库：" + "；".join(problems))
    try:
        with db.atomic():
            # the status checked above, as this request saw it: a decision taken meanwhile makes this one lose
            compare_and_set(subject, "status", subject.status, _handled_meanwhile, status=SubjectStatus.ADMITTED.value,
                            rung=Rung.POOL.value, updated_at=local_now())
            entry = PoolEntry.create(subject=subject, year_admitted=year_admitted, potential=potential, owner=owner,
                                     status=PoolStatus.CULTIVATING.value)
            audit.record("subject.admit", subject, user=by,
                         details={"year": year_admitted, "potential": potential,
                                  "owner": owner.username if owner else ""})
    except IntegrityError:  # a pool entry for the subject exists already (one per subject)
        raise Refused("该对象已在培育库中，请刷新页面")
    return entry


def _message(subject, kind, body, by, new_status, action):
    old = subject.status
    with db.atomic():
        compare_and_set(subject, "status", old, _handled_meanwhile, status=new_status, updated_at=local_now())
        SubjectMessage.create(subject=subject, kind=kind, body=body, created_by=by)
        audit.record(action, subject, user=by, details={"from": old, "to": new_status, "text": body})


def request_info(subject, text, by):
    """Ask the registrant for more information; it sees the request and can answer."""
    if subject.status not in (SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value):
        raise Refused("只有待审核的登记可以要求补充材料")
    _message(subject, MessageKind.INFO_REQUEST.value, text, by, SubjectStatus.INFO_REQUESTED.value,
             "subject.request_info")


def decline(subject, reason, by):
    """Decline a registration with a reason the registrant sees."""
    if subject.status not in (SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value):
        raise Refused("只有待审核的登记可以不予受理")
    _message(subject, MessageKind.DECLINE.value, reason, by, SubjectStatus.DECLINED.value, "subject.decline")


def reply(subject, text, by):
    """The registrant answers the bureau's request; the registration goes back to the queue."""
    if subject.status != SubjectStatus.INFO_REQUESTED.value:
        raise Refused("当前没有需要答复的补充材料要求")
    _message(subject, MessageKind.REPLY.value, text, by, SubjectStatus.PENDING.value, "subject.reply")


def declared_change_fields(subject, by):
    """The profile fields `by` may change only through a change notice (第三十一条): none for staff or for a
    registration not yet admitted; name, credit code, kind, address and energy level once pooled or listed."""
    if by.is_staff or (subject.status != SubjectStatus.ADMITTED.value and subject.rung == Rung.INTEREST.value):
        return ()
    return tuple(rules.DECLARED_CHANGE_FIELDS)


def update_profile(subject, data, by):
    """Change the subject's profile; the changes (old → new) go into the audit trail."""
    held = [rules.DECLARED_CHANGE_FIELDS[key] for key in declared_change_fields(subject, by)
            if key in data and data[key] != getattr(subject, key)]
    if held:
        raise Refused(f"已入库或列入名单的单位不能自行修改{'、'.join(held)}，请通过变更申报（第三十一条）办理")
    _check_unique_code(data["credit_code"], subject.id, by)
    changes = {key: [getattr(subject, key), value] for key, value in data.items() if getattr(subject, key) != value}
    if not changes:
        return {}
    with db.atomic():
        for key, (_, value) in changes.items():
            setattr(subject, key, value)
        subject.updated_at = local_now()
        # only the changed columns: a decision taken meanwhile (status, rung) must not be written back
        subject.save(only=[getattr(Subject, key) for key in changes] + [Subject.updated_at])
        audit.record("subject.update", subject, user=by, details={"changes": changes})
    return changes


def change_pool_status(entry, status, potential, owner, reason, by):
    """Staff change a pool entry's status (培育中 / 已入选名单 / 退出 with reason), potential or owner."""
    if status == PoolStatus.EXITED.value and not reason:
        raise Refused("退出培育库须填写原因")
    before = {"status": entry.status, "potential": entry.potential, "owner": entry.owner_id}
    after = {"status": status, "potential": potential, "owner": owner.id if owner else None}
    if before == after:
        return False
    with db.atomic():
        entry.status, entry.potential, entry.owner = status, potential, owner
        if status == PoolStatus.EXITED.value and before["status"] != status:
            entry.exit_reason, entry.exited_on = reason, local_now().date()
        elif status != PoolStatus.EXITED.value:
            entry.exit_reason, entry.exited_on = "", None
        entry.save()
        subject = entry.subject
        ladder.refresh(subject)
        audit.record("pool.status", subject, user=by, details={"before": before, "after": after, "reason": reason})
    return True
