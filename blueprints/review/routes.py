from flask import flash, redirect, render_template, url_for
from flask_login import current_user

import rules
from blueprints.applications import operations
from blueprints.applications.forms import DeclareForm, ScoreForm
from blueprints.views import get_object_or_404, inline_answer, me
from core.access import expert_only
from models import Application, Document, ReviewAssignment
from rules import Refused

from . import bp


def assignment_or_404(assignment_id):
    """An expert sees only their own, still active, assignments."""
    return get_object_or_404(ReviewAssignment, ReviewAssignment.id == assignment_id,
                             ReviewAssignment.expert == current_user.id, ReviewAssignment.removed_at.is_null())


@bp.route("/")
@expert_only
def my_reviews():
    """The applications assigned to this expert."""
    assignments = (ReviewAssignment.active().join(Application)
                   .where(ReviewAssignment.expert == current_user.id)
                   .order_by(ReviewAssignment.scored_at.is_null(False), ReviewAssignment.id))
    return render_template("review/list.html", assignments=assignments)


@bp.route("/<int:assignment_id>")
@expert_only
def review_detail(assignment_id):
    """One assigned application: declare any conflict first, then score."""
    assignment = assignment_or_404(assignment_id)
    application = assignment.application
    return render_template("review/detail.html", assignment=assignment, application=application,
                           documents=Document.of("application", application.id),
                           standard=rules.applicable_standard(application.subject.kind, application.subject.industry_code),
                           declare_form=DeclareForm(), score_form=ScoreForm(obj=assignment))


@bp.route("/<int:assignment_id>/declare", methods=["POST"])
@expert_only
def review_declare(assignment_id):
    """Declare whether there is a conflict of interest; a conflict withdraws the expert from the application."""
    assignment = assignment_or_404(assignment_id)
    form = DeclareForm()
    if form.validate_on_submit():
        try:
            operations.declare(assignment, conflict=form.conflict.data == "yes", reason=form.reason.data or "",
                               by=me())
        except Refused as error:
            flash(str(error), "danger")
            return redirect(url_for("review.review_detail", assignment_id=assignment.id))
        if form.conflict.data == "yes":
            flash("已回避该申报，主管部门将另行指派专家。", "info")
            return redirect(url_for("review.my_reviews"))
    return redirect(url_for("review.review_detail", assignment_id=assignment.id))


@bp.route("/<int:assignment_id>/score", methods=["POST"])
@expert_only
def review_score(assignment_id):
    """Score inline (htmx): the score card comes back with the saved value or the error beside it."""
    assignment = assignment_or_404(assignment_id)
    form = ScoreForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.score(assignment, value=form.score.data, comments=form.comments.data or "", by=me())
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)

    def card():
        stored = ReviewAssignment.get_by_id(assignment.id)
        return render_template("review/_score.html", assignment=stored, error=error,
                               score_form=form if error else ScoreForm(obj=stored))

    return inline_answer(error, url_for("review.review_detail", assignment_id=assignment.id), card,
                         done="评分已保存。")
