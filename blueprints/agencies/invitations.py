"""Staff see every state of an invitation (第十条、第十二条): waiting for the agency by its reply-by day, waiting for
the enterprise's confirmation, declined with the agency's reason, refused by the enterprise, expired; and record an
enterprise's confirmation or refusal on its behalf when its subject has no enterprise account."""
from urllib.parse import parse_qsl, urlsplit

from flask import flash, redirect, request, url_for
from peewee import fn
from werkzeug.datastructures import MultiDict

from blueprints.views import errors_flashed, get_object_or_404, me
from core.access import staff_required
from models import Agency, Engagement, EngagementStatus, Subject, local_now
from rules import Refused

from . import bp, operations, preferences
from .forms import OnBehalfForm
from .routes import engagement_list_page


@bp.app_context_processor
def _preference_helpers():
    """The subject engagements card (templates/agencies/_subject_engagements.html) lists the enterprise's
    preferences and objections on every page that includes it."""
    return {"preferences_in_force": preferences.in_force_rows}

# The home page's invitation panel: the states it counts, each titled by its EngagementStatus label (the same words
# as the badges and the engagement list's filter), with its count and latest few.
PANEL = (EngagementStatus.PROPOSED, EngagementStatus.ACCEPTED, EngagementStatus.DECLINED, EngagementStatus.WITHDRAWN,
         EngagementStatus.EXPIRED)
PANEL_LATEST = 5


def invitation_panel(today):
    """The year's invitations by state for the staff home page: {"year", "groups": [(status, title, count, latest)]}.

    A GET that may write: overdue invitations are expired first (operations.expire_overdue), so that none is counted
    as waiting for the agency after its reply-by day. When nothing is overdue, which is the usual case since
    `flask engagements expire` runs daily, that is one query on the indexed status column, with no transaction and no
    audit; only an invitation actually overdue is updated and audited (as the system)."""
    operations.expire_overdue(today)
    year = today.year
    counts = dict(Engagement.select(Engagement.status, fn.COUNT(Engagement.id))
                  .where(Engagement.year == year, Engagement.status.in_([member.value for member in PANEL]))
                  .group_by(Engagement.status).tuples())  # one count for every state
    groups = []
    for member in PANEL:
        status, title = member.value, member.label
        latest = list(Engagement.select(Engagement, Agency, Subject).join(Agency).switch(Engagement).join(Subject)
                      .where(Engagement.status == status, Engagement.year == year)
                      .order_by(Engagement.id.desc()).limit(PANEL_LATEST)) if counts.get(status) else []
        groups.append((status, title, counts.get(status, 0), latest))
    return {"year": year, "groups": groups}


@bp.route("/agencies/engagements/<int:engagement_id>/on-behalf", methods=["POST"])
@staff_required
def engagement_on_behalf(engagement_id):
    """Record the enterprise's confirmation (it goes live) or refusal when its subject has no enterprise account; the
    note says how the enterprise told the bureau and is audited."""
    engagement = get_object_or_404(Engagement, Engagement.id == engagement_id)
    form = OnBehalfForm()
    back = request.form.get("next") or ""
    back = back if back.startswith("/") and not back.startswith("//") else url_for("agencies.engagement_list")
    if not form.validate_on_submit():
        if engagement.status != EngagementStatus.ACCEPTED.value:  # its form has left the list meanwhile
            return errors_flashed(form, back)
        return engagement_list_page(MultiDict(parse_qsl(urlsplit(back).query)), failed=engagement.id,
                                    on_behalf_form=form, back=back)
    user = me()
    try:
        if form.decision.data == "confirm":
            operations.confirm(engagement, by=user, today=local_now().date(), note=form.note.data)
            flash(f"已代企业确认与 {engagement.agency.name} 的对接。", "success")
        else:
            operations.refuse(engagement, reason=form.note.data, by=user)
            flash(f"已记录企业不予确认与 {engagement.agency.name} 的对接。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(back)
