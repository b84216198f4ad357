from flask import abort, flash, redirect, render_template, request, url_for

import rules
from blueprints.plans import operations as plan_operations
from blueprints.plans import worklist
from blueprints.plans.forms import EvidenceForm
from blueprints.pool import operations
from blueprints.pool.forms import ReasonForm, SubjectForm, UploadForm
from blueprints.upkeep.operations import unread_notices
from blueprints.views import me, upload_posted_document
from core import uploads
from core.access import enterprise_only, own_subject
from models import (
    LADDER,
    CultivationPlan,
    Document,
    Engagement,
    Milestone,
    PlanItem,
    PlanStatus,
    PoolEntry,
    Recommendation,
    SubjectMessage,
    db,
    local_now,
)
from rules import Refused

from . import bp


@bp.route("/")
@enterprise_only
def my_subject():
    """The enterprise's own subject: status, the bureau's requests, documents, its place on the ladder."""
    return _my_page(own_subject())


def _my_page(subject, upload_form=None):
    """The enterprise's page; an upload that failed comes back with its reason beside the file box."""
    messages = list(subject.messages.order_by(SubjectMessage.id))
    return render_template(
        "enterprise/subject.html", subject=subject, ladder=LADDER,
        entry=PoolEntry.get_or_none(PoolEntry.subject == subject),
        standard=rules.applicable_standard(subject.kind, subject.industry_code),
        messages=messages, chase_up=worklist.chase_up_alert(messages, local_now()), documents=Document.of("subject", subject.id, withdrawn=True),
        reply_form=ReasonForm(), upload_form=upload_form or UploadForm(formdata=None), recommendation=Recommendation.signed_for(subject),
        notices=unread_notices(me()), engagements=Engagement.of_subject(subject))


@bp.route("/edit", methods=["GET", "POST"])
@enterprise_only
def my_subject_edit():
    """The enterprise edits its own profile; once pooled or listed, name, credit code, kind, address and energy
    level change only through a change notice (第三十一条), the contacts stay editable."""
    subject = own_subject()
    user = me()
    form = SubjectForm(obj=subject).lock(subject, operations.declared_change_fields(subject, by=user))
    if form.validate_on_submit():
        try:
            changes = operations.update_profile(subject, form.profile_data(), by=user)
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            flash(f"已保存（{len(changes)} 项修改）。" if changes else "没有修改。", "success")
            return redirect(url_for("enterprise.my_subject"))
    return render_template("enterprise/edit.html", form=form, subject=subject)


@bp.route("/reply", methods=["POST"])
@enterprise_only
def my_subject_reply():
    """Answer the bureau's request for more information."""
    subject = own_subject()
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operations.reply(subject, form.reason.data, by=me())
            flash("答复已提交，主管部门将继续审核。", "success")
        except Refused as error:
            flash(str(error), "danger")
    else:
        flash("请填写答复内容。", "danger")
    return redirect(url_for("enterprise.my_subject"))


@bp.route("/documents", methods=["POST"])
@enterprise_only
def my_subject_upload():
    """Upload a document for the enterprise's own subject."""
    subject = own_subject()
    failed = upload_posted_document(subject)
    if failed is not None:
        return _my_page(subject, upload_form=failed)
    return redirect(url_for("enterprise.my_subject", _anchor="documents"))


def own_plan_items(subject):
    """The subject's items in approved or filed plans (the newest such version of each year)."""
    items = []
    seen_years = set()
    query = (PlanItem.select(PlanItem, CultivationPlan).join(CultivationPlan)
             .where(PlanItem.subject == subject, PlanItem.withdrawn_at.is_null(),
                    CultivationPlan.status.in_([PlanStatus.APPROVED.value, PlanStatus.FILED.value]))
             .order_by(CultivationPlan.year.desc(), CultivationPlan.version.desc()))
    for item in query:
        if item.plan.year not in seen_years:
            seen_years.add(item.plan.year)
            items.append(item)
    return items


@bp.route("/plan")
@enterprise_only
def my_plan():
    """The enterprise's own plan items: milestones, due dates and the bureau's notes."""
    subject = own_subject()
    items = own_plan_items(subject)
    milestones = plan_operations.milestones_by_item(items)
    return render_template("enterprise/plan.html", subject=subject, items=items, milestones=milestones,
                           progress=plan_operations.progress, today=local_now().date(), form=EvidenceForm())


@bp.route("/plan/milestones/<int:milestone_id>/evidence", methods=["POST"])
@enterprise_only
def my_milestone_evidence(milestone_id):
    """Attach evidence to one of the enterprise's own milestones; the bureau confirms it done."""
    subject = own_subject()
    milestone = Milestone.get_or_none(Milestone.id == milestone_id)
    if milestone is None or milestone.item.subject_id != subject.id:
        abort(404)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            with db.atomic():
                document = uploads.store(request.files.get("file"), "subject", subject.id,
                                         purpose=f"节点佐证：{milestone.name}"[:40],
                                         user=me())
                plan_operations.submit_evidence(milestone, document, note=form.note.data or "",
                                                by=me())
            flash("佐证已提交，等待主管部门确认。", "success")
        except (uploads.UploadError, Refused) as error:
            flash(f"提交失败：{error}", "danger")
    return redirect(url_for("enterprise.my_plan"))
