"""The enterprise's side of matching (第十条、第十二条): the enterprise commissions and pays the agency, so it sees its
shortlist and every engagement with the agency's contact, confirms or refuses an engagement the agency accepted
(only then is it live), and states a preference for or an objection to an agency with a reason."""
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for

import rules
from blueprints.agencies import matching, preferences
from blueprints.agencies import operations as agency_ops
from blueprints.views import get_object_or_404, me
from core.access import enterprise_only, own_subject
from core.industries import industry_label
from models import (
    Agency,
    AgencyStatus,
    Engagement,
    EngagementPurpose,
    PreferenceStance,
    SubjectKind,
    local_now,
)
from rules import Refused

from . import bp
from .forms import ConfirmForm, PreferenceForm, RefuseForm, WithdrawPreferenceForm

SHORTLIST_SIZE = 5


def next_rung(subject):
    """The rung an evaluation would now be for: the one above where the subject stands, at least municipal."""
    order = rules.LADDER_ORDER
    index = max(order.index("municipal"), rules.rung_rank(subject.rung) + 1)
    return order[min(index, len(order) - 1)]


@dataclass
class ShortlistRow:
    """What the enterprise reads of one agency on its shortlist: nothing of the bureau's working marks (other
    subjects' load, 第二十四条 notes to staff, the enterprise's own stance repeated as a mark)."""

    agency: Agency
    fits: list  # the expertise that fits the subject ("擅长本行业（…）", "擅长绿色工厂评价", "办公地址在…区")
    passed: int  # evaluations that passed, from the bureau's recorded outcomes, and …
    decided: int  # … the sample size
    pass_rate_text: str
    preference: object  # the enterprise's own preference or objection in force (EngagementPreference) or None


def _fits(subject, candidate):
    """The expertise terms of the candidate's fit, in the enterprise's words. The industry comes from
    Candidate.covers_industry; the kind and the district have no field of their own, so they are read from
    matching.candidates()' reason texts ("擅长该类型", "同区县"): this is the one place that reads those strings."""
    fits = []
    if candidate.covers_industry:
        fits.append(f"擅长本行业（{industry_label(subject.industry_code)}）")
    if "擅长该类型" in candidate.reasons:
        fits.append(f"擅长{SubjectKind.label_of(subject.kind)}评价")
    if "同区县" in candidate.reasons:
        fits.append(f"办公地址在{subject.district}")
    return fits


def shortlist_rows(subject, rung, year, today, in_force):
    """The enterprise's shortlist (第十条、第十二条): the best offered agencies of matching.ranked_for, leaving out those
    excluded (suspended, disqualified, at the national cap, already engaged) and those full for the year (they could
    only be chosen by staff with a stored reason); each with its fitting expertise, its pass rate with the sample size
    and the enterprise's own stance once."""
    rows = []
    for c in matching.ranked_for(subject, EngagementPurpose.EVALUATION.value, rung, year, today):
        if c.excluded or rules.capacity_problem(c.load, c.capacity):
            continue
        rows.append(ShortlistRow(c.agency, _fits(subject, c), c.passed, c.decided, c.pass_rate_text,
                                 in_force.get(c.agency.id)))
        if len(rows) == SHORTLIST_SIZE:
            break
    return rows


def _page(subject, preference_form=None, refuse_forms=None):
    today = local_now().date()
    year = today.year
    agency_ops.expire_overdue(today)
    rung = next_rung(subject)
    if preference_form is None:
        preference_form = PreferenceForm(agency_id=request.args.get("agency", type=int))
    in_force = preferences.current(subject, year)
    shortlist = shortlist_rows(subject, rung, year, today, in_force)
    choosable = list(Agency.select().where((Agency.status == AgencyStatus.APPROVED.value)
                                           | Agency.id.in_(list(in_force) or [0])).order_by(Agency.name))
    return render_template(
        "enterprise/agencies.html", subject=subject, year=year, rung=rung, shortlist=shortlist,
        engagements=list(Engagement.of_subject(subject)), in_force=in_force,
        history=preferences.history(subject, year), choosable=choosable, PreferenceStance=PreferenceStance,
        preference_form=preference_form, refuse_forms=refuse_forms or {}, confirm_form=ConfirmForm(),
        refuse_form=RefuseForm(), withdraw_form=WithdrawPreferenceForm())


@bp.route("/agencies")
@enterprise_only
def my_agencies():
    """The enterprise's agencies: the shortlist, its engagements in every state, its preferences and objections."""
    return _page(own_subject())


def _own_engagement_or_404(subject, engagement_id):
    return get_object_or_404(Engagement, Engagement.id == engagement_id, Engagement.subject == subject.id)


@bp.route("/agencies/engagements/<int:engagement_id>/confirm", methods=["POST"])
@enterprise_only
def my_engagement_confirm(engagement_id):
    """Confirm an engagement the agency accepted: it is live from now, and the agency reads the subject's documents."""
    subject = own_subject()
    engagement = _own_engagement_or_404(subject, engagement_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            agency_ops.confirm(engagement, by=me(), today=local_now().date())
            flash(f"已确认与 {engagement.agency.name} 的对接，机构可查看本企业提交的材料。", "success")
        except Refused as error:
            flash(str(error), "danger")
    return redirect(url_for("enterprise.my_agencies", _anchor="my-engagements"))


@bp.route("/agencies/engagements/<int:engagement_id>/refuse", methods=["POST"])
@enterprise_only
def my_engagement_refuse(engagement_id):
    """Refuse an engagement the agency accepted, with a reason the bureau reads."""
    subject = own_subject()
    engagement = _own_engagement_or_404(subject, engagement_id)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            agency_ops.refuse(engagement, reason=form.reason.data, by=me())
        except Refused as error:
            form.reason.errors.append(str(error))
        else:
            flash(f"已不予确认与 {engagement.agency.name} 的对接，主管部门将看到您的理由。", "success")
            return redirect(url_for("enterprise.my_agencies", _anchor="my-engagements"))
    return _page(subject, refuse_forms={engagement.id: form})


@bp.route("/agencies/preferences", methods=["POST"])
@enterprise_only
def my_preference():
    """State a preference for or an objection to an agency for this year, with a reason."""
    subject = own_subject()
    form = PreferenceForm()
    if form.validate_on_submit():
        agency = Agency.get_or_none(Agency.id == form.agency_id.data)
        try:
            if agency is None:
                raise Refused("所选机构不存在")
            preferences.state(subject, agency, year=local_now().year, stance=form.stance.data, reason=form.reason.data,
                              by=me(),
                              today=local_now().date())
        except Refused as error:
            form.agency_id.errors.append(str(error))
        else:
            flash(f"已记录对 {agency.name} 的意见（{PreferenceStance.label_of(form.stance.data)}）。", "success")
            return redirect(url_for("enterprise.my_agencies", _anchor="preferences"))
    return _page(subject, preference_form=form)


@bp.route("/agencies/preferences/withdraw", methods=["POST"])
@enterprise_only
def my_preference_withdraw():
    """Withdraw the preference or objection in force for an agency (it stays on record as withdrawn)."""
    subject = own_subject()
    form = WithdrawPreferenceForm()
    agency = Agency.get_or_none(Agency.id == form.agency_id.data) if form.validate_on_submit() else None
    try:
        if agency is None:
            raise Refused("所选机构不存在")
        preferences.withdraw(subject, agency, year=local_now().year, by=me())
        flash(f"已撤回对 {agency.name} 的意见。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("enterprise.my_agencies", _anchor="preferences"))
