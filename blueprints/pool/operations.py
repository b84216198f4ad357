"""State transitions of registrations and the pool: each checks, changes inside db.atomic(), and audits."""
from peewee import IntegrityError

import rules
from core import audit, ladder, settings, uploads
from core.accounts import create_user
from core.database import compare_and_set
from models import (
    EligibilityCheck,
    Listing,
    ListingStatus,
    MessageKind,
    ParkMember,
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


def register(profile, *, username, password, source=SubjectSource.SELF.value, by=None):
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


def admission_problems(subject, checks=None):
    """What stands between the registration and the pool; `checks` latest_checks(subject) when already read."""
    eligibility, veto = checks or latest_checks(subject)
    # 第十五条 近三年: a hit whose event is older than three years before its check reads as clear
    return rules.admission_problems(subject.kind, {k: r.result for k, r in eligibility.items()},
                                    {k: rules.veto_effective_result(veto_fact(r)) for k, r in veto.items()},
                                    subject.park_value_added_share)


# --- 第十五条 at every door ------------------------------------------------------------------------------------------

def veto_fact(row, member=""):
    return rules.VetoFact(row.condition_key, row.result, row.checked_on, row.event_on, row.source, member)


def veto_facts(subject):
    """The subject's newest check per 第十五条 condition, as rules.VetoFacts."""
    _, veto = latest_checks(subject)
    return tuple(veto_fact(row) for row in veto.values())


def member_veto_facts(subject):
    """For a park (第十五条：含园区内企业): the newest checks of its current members that are registered subjects,
    each naming the member; () for anything else."""
    if subject.kind != "park":
        return ()
    members = {m.member_id: m.display_name for m in ParkMember.current(subject) if m.member_id}
    if not members:
        return ()
    newest = {}
    for row in (VetoCheck.select().where(VetoCheck.subject.in_(list(members))).order_by(VetoCheck.id)):
        newest[(row.subject_id, row.condition_key)] = row
    return tuple(veto_fact(row, members[subject_id]) for (subject_id, _), row in newest.items())


def veto_gate(subject, door, *, today=None):
    """第十五条: why `subject` may not pass `door` ('apply', 'list', 'recommend') today; empty when it may."""
    today = today or local_now().date()
    return rules.veto_gate_problems(veto_facts(subject), member_veto_facts(subject), today=today,
                                    max_age_days=settings.get("veto_check_max_age_days"), door=door)


def removal_review(subject):
    """第三十条第一项: the counting 第十五条 hits of a listed unit (its own and, for a park, its members'), or []
    when it is not listed or has none."""
    if not Listing.select().where(Listing.subject == subject, Listing.status == ListingStatus.LISTED.value).exists():
        return []
    return rules.removal_review_problems(veto_facts(subject), member_veto_facts(subject))


def priority_markers(subject):
    """The subject's priority markers (第七条第三项 for a park), from its newest eligibility rows."""
    if subject.kind not in rules.PRIORITY_ITEMS:
        return []
    eligibility, _ = latest_checks(subject)
    return rules.priority_markers(subject.kind, {k: r.result for k, r in eligibility.items()})


def record_eligibility(subject, item_key, *, result, evidence, by):
    """Record one 第六/七/八条 item for the subject (a new row; earlier ones stay)."""
    if item_key not in {key for key, _, _ in rules.eligibility_items(subject.kind)}:
        raise Refused("该检查项不适用于此类培育对象")
    if problem := rules.eligibility_record_problem(subject.kind, item_key, result, subject.park_value_added_share):
        raise Refused(problem)
    with db.atomic():
        row = EligibilityCheck.create(subject=subject, item_key=item_key, result=result, evidence=evidence or "",
                                      checked_by=by, checked_at=local_now())
        audit.record("subject.eligibility", subject, user=by, details={"item": item_key, "result": result})
    return row


def record_veto(subject, condition_key, *, result, source, checked_on, evidence, by, event_on=None):
    """Record one 第十五条 veto condition check (a new row; earlier ones stay). A hit records the date of the event it
    found, so that 近三年 is computed (rules.veto_hit_counts); 未发现 and 未核查 record none."""
    if condition_key not in {key for key, _, _ in rules.VETO_CONDITIONS}:
        raise Refused("未知的否决条件")
    if checked_on > local_now().date():
        raise Refused("核查日期不能晚于今天", field="checked_on")
    if result == "hit":
        if event_on is None:
            raise Refused("核查结果为“存在”时须填写事件日期（第十五条：近三年）", field="event_on")
        if event_on > checked_on:
            raise Refused("事件日期不能晚于核查日期", field="event_on")
    else:
        event_on = None
    with db.atomic():
        row = VetoCheck.create(subject=subject, condition_key=condition_key, result=result, source=source,
                               checked_on=checked_on, event_on=event_on, evidence=evidence or "", checked_by=by)
        audit.record("subject.veto_check", subject, user=by,
                     details={"condition": condition_key, "result": result, "source": source, "date": checked_on,
                              "event": event_on})
    return row


def listed_with_veto_hits():
    """第三十条第一项: listed units with a counting 第十五条 hit (own, or a park's member's), for the staff calendar:
    [(subject, the first check date that found one)], by name. Only subjects with some hit on record are looked at."""
    listed = Listing.select(Listing.subject).where(Listing.status == ListingStatus.LISTED.value)
    hit_subjects = VetoCheck.select(VetoCheck.subject).where(VetoCheck.result == "hit")
    parks_with_hit_members = (ParkMember.select(ParkMember.park)
                              .where(ParkMember.ended_on.is_null(), ParkMember.member.in_(hit_subjects)))
    candidates = (Subject.select().where(Subject.id.in_(listed),
                                         Subject.id.in_(hit_subjects) | Subject.id.in_(parks_with_hit_members))
                  .order_by(Subject.name))
    found = []
    for subject in candidates:
        counting = [f for f in (*veto_facts(subject), *member_veto_facts(subject)) if rules.veto_hit_counts(f)]
        if counting:
            found.append((subject, min(f.checked_on for f in counting)))
    return found


# --- a park's member enterprises (第十五条：园区（含园区内企业）) ---------------------------------------------------

def add_member(park, credit_code, *, name, by):
    """Add an enterprise to a park: linked to its subject when the credit code is registered here (its veto checks
    then count against the park), else by name and code. One current membership per code."""
    from core.identifiers import credit_code_problem, normalize_credit_code
    credit_code = normalize_credit_code(credit_code)
    if park.kind != "park":
        raise Refused("只有绿色工业园区可以登记园区内企业")
    if problem := credit_code_problem(credit_code):
        raise Refused(problem)
    if credit_code == park.credit_code:
        raise Refused("园区不能把自己登记为园区内企业")
    member = Subject.get_or_none(Subject.credit_code == credit_code)
    if member is not None and member.kind == "park":
        raise Refused(f"{member.name} 是园区，不能登记为园区内企业")
    if member is None and not name:
        raise Refused("该统一社会信用代码尚未在本系统登记，请填写企业名称")
    duplicate = "该企业已是本园区的园区内企业"
    if ParkMember.select().where(ParkMember.park == park, ParkMember.credit_code == credit_code,
                                 ParkMember.ended_on.is_null()).exists():
        raise Refused(duplicate)
    try:
        with db.atomic():
            row = ParkMember.create(park=park, member=member, name=member.name if member else name,
                                    credit_code=credit_code, added_by=by)
            audit.record("park.member_add", park, user=by,
                         details={"member": row.name, "credit_code": credit_code, "linked": member is not None})
    except IntegrityError:  # added at the same moment: one current membership per park and code
        raise Refused(duplicate)
    return row


def end_member(membership, *, ended_on, reason, by):
    """An enterprise leaves the park: the membership gets an end date (kept on record, never deleted)."""
    if ended_on > local_now().date():
        raise Refused("退出日期不能晚于今天")
    if ended_on < membership.added_at.date():
        raise Refused("退出日期不能早于登记日期")
    with db.atomic():
        compare_and_set(membership, "ended_on", None, "该企业已退出园区（刚刚已被其他人处理），请刷新页面",
                        ended_on=ended_on, end_reason=reason or "", ended_by=by)
        audit.record("park.member_end", membership.park, user=by,
                     details={"member": membership.name, "credit_code": membership.credit_code,
                              "ended_on": ended_on, "reason": reason or ""})


def admit(subject, *, year_admitted, potential, owner, by):
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


def request_info(subject, text, *, by):
    """Ask the registrant for more information; it sees the request and can answer."""
    if subject.status not in (SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value):
        raise Refused("只有待审核的登记可以要求补充材料")
    _message(subject, MessageKind.INFO_REQUEST.value, text, by, SubjectStatus.INFO_REQUESTED.value,
             "subject.request_info")


def decline(subject, reason, *, by):
    """Decline a registration with a reason the registrant sees."""
    if subject.status not in (SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value):
        raise Refused("只有待审核的登记可以不予受理")
    _message(subject, MessageKind.DECLINE.value, reason, by, SubjectStatus.DECLINED.value, "subject.decline")


def reply(subject, text, *, by):
    """The registrant answers the bureau's request; the registration goes back to the queue."""
    if subject.status != SubjectStatus.INFO_REQUESTED.value:
        raise Refused("当前没有需要答复的补充材料要求")
    _message(subject, MessageKind.REPLY.value, text, by, SubjectStatus.PENDING.value, "subject.reply")


def attach_document(subject, file_storage, *, purpose, by):
    """Check, store and record one document for a subject, uploaded by staff or by its enterprise (audited by
    uploads.save). Raises uploads.UploadError with the reason."""
    with db.atomic():
        return uploads.store(file_storage, "subject", subject.id, purpose=purpose or "", user=by)


def withdraw_document(document, *, reason, by):
    """撤回: a subject's document leaves the materials (Document.of, downloads, packages) but is never deleted; it stays
    on the subject page struck through, with who withdrew it, when and why (audited). Of two withdrawals at once,
    one wins."""
    if not document.withdrawable_by(by, in_force=False):
        raise Refused("只有上传人或主管部门经办人可以撤回该文件")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写撤回理由", field="reason")
    with db.atomic():
        compare_and_set(document, "withdrawn_at", None, "该文件已被撤回，请刷新页面",
                        withdrawn_at=local_now(), withdrawn_by=by, withdrawal_reason=reason)
        audit.record("document.withdraw", document, user=by,
                     details={"owner_type": document.owner_type, "owner_id": document.owner_id,
                              "name": document.original_name, "reason": reason})
    return document


def declared_change_fields(subject, *, by):
    """The profile fields `by` may change only through a change notice (第三十一条): none for staff or for a
    registration not yet admitted; name, credit code, kind, address and energy level once pooled or listed."""
    if by.is_staff or (subject.status != SubjectStatus.ADMITTED.value and subject.rung == Rung.INTEREST.value):
        return ()
    return tuple(rules.DECLARED_CHANGE_FIELDS)


def update_profile(subject, data, *, by):
    """Change the subject's profile; the changes (old → new) go into the audit trail."""
    held = [rules.DECLARED_CHANGE_FIELDS[key] for key in declared_change_fields(subject, by=by)
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


def change_pool_status(entry, *, status, potential, owner, reason, by):
    """Staff change a pool entry's status (培育中 / 已入选名单 / 退出 with reason), potential or owner."""
    if status == PoolStatus.EXITED.value and not reason:
        raise Refused("退出培育库须填写原因", field="reason")
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
