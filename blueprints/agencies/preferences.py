"""The enterprise's say in matching (第十条、第十二条): it commissions and pays the agency, so it may state, with a
reason, a preference for or an objection to an agency for a year. Rows are appended; the newest per subject,
agency and year counts unless withdrawn; nothing is deleted."""
from core import audit
from core.database import compare_and_set
from models import Agency, EngagementPreference, PreferenceStance, Role, db, local_now
from rules import Refused

from .operations import blocked_reason


def _latest(subject_ids, year):
    """{(subject_id, agency_id): newest EngagementPreference row}, withdrawn ones included."""
    latest = {}
    if subject_ids:
        for row in (EngagementPreference.select()
                    .where(EngagementPreference.subject.in_(list(subject_ids)), EngagementPreference.year == year)
                    .order_by(EngagementPreference.id)):
            latest[(row.subject_id, row.agency_id)] = row
    return latest


def preferences_for(subject_ids, year):
    """{(subject_id, agency_id): (stance, reason)} of the preferences and objections in force, in one query."""
    return {key: (row.stance, row.reason) for key, row in _latest(subject_ids, year).items()
            if row.withdrawn_at is None}


def current(subject, year):
    """The subject's preferences and objections in force: {agency_id: EngagementPreference} (agency loaded)."""
    rows = {agency_id: row for (_, agency_id), row in _latest([subject.id], year).items() if row.withdrawn_at is None}
    agencies = {a.id: a for a in Agency.select().where(Agency.id.in_(list(rows)))} if rows else {}
    for agency_id, row in rows.items():
        row.agency = agencies[agency_id]
    return rows


def in_force_rows(subject_id):
    """The subject's preferences and objections in force in every year (agency loaded), newest year first: for the
    subject's engagements card that staff and the enterprise read."""
    latest = {}
    for row in (EngagementPreference.select(EngagementPreference, Agency).join(Agency)
                .where(EngagementPreference.subject == subject_id).order_by(EngagementPreference.id)):
        latest[(row.agency_id, row.year)] = row
    return sorted((row for row in latest.values() if row.withdrawn_at is None), key=lambda r: (-r.year, -r.id))


def history(subject, year):
    """Every row the subject stated for the year, newest first (withdrawn ones too)."""
    return list(EngagementPreference.select(EngagementPreference, Agency).join(Agency)
                .where(EngagementPreference.subject == subject, EngagementPreference.year == year)
                .order_by(EngagementPreference.id.desc()))


def _check_party(subject, by):
    if by.role == Role.ENTERPRISE.value and by.subject_id == subject.id:
        return
    if by.is_staff:
        return
    raise Refused("只有企业本身可以对机构表明倾向或异议")


def state(subject, agency, *, year, stance, reason, by, today):
    """The enterprise prefers or objects to an agency for the year, with its reason (a new row: the newest counts)."""
    _check_party(subject, by)
    if stance not in {s.value for s in PreferenceStance}:
        raise Refused("请选择倾向委托或提出异议")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写理由")
    if stance == PreferenceStance.PREFER.value and blocked_reason(agency, today):
        raise Refused(f"该机构当前不能承接对接：{blocked_reason(agency, today)}")
    with db.atomic():
        row = EngagementPreference.create(subject=subject, agency=agency, year=year, stance=stance, reason=reason,
                                          created_by=by)
        audit.record("engagement.preference", subject, user=by, details={
            "agency": agency.name, "agency_id": agency.id, "year": year, "stance": stance, "reason": reason})
    return row


def withdraw(subject, agency, *, year, by):
    """Withdraw the preference or objection in force (the row stays, marked withdrawn)."""
    _check_party(subject, by)
    row = _latest([subject.id], year).get((subject.id, agency.id))
    if row is None or row.withdrawn_at is not None:
        raise Refused("对该机构没有在效的倾向或异议")
    with db.atomic():
        compare_and_set(row, "withdrawn_at", None, "该意见已被撤回，请刷新页面", withdrawn_at=local_now())
        audit.record("engagement.preference_withdraw", subject, user=by, details={
            "agency": agency.name, "agency_id": agency.id, "year": year, "stance": row.stance})
