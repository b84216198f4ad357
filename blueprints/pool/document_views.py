"""Withdrawing (撤回) a subject's document: staff, or the account that uploaded it, with a reason. The document is
never deleted: it stays on the subject page struck through (operations.withdraw_document)."""
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from blueprints.views import beside_field, get_object_or_404, me
from core.access import owned_or_404, staff_or_enterprise
from models import Document
from rules import Refused

from . import bp, operations
from .forms import WithdrawDocumentForm


def _subject_document_or_404(document_id):
    """A subject's document the user may reach: staff any, an enterprise its own subject's; else 'not found'."""
    document = get_object_or_404(Document, Document.id == document_id, Document.owner_type == "subject")
    owned_or_404(document.owner_id)
    return document


def _subject_page(document):
    if current_user.is_staff:
        return url_for("pool.subject_detail", subject_id=document.owner_id, _anchor="documents")
    return url_for("enterprise.my_subject", _anchor="documents")


@bp.route("/pool/documents/<int:document_id>/withdraw", methods=["GET", "POST"])
@staff_or_enterprise
def document_withdraw(document_id):
    """The withdrawal form: the document, the reason; a refusal shows beside the reason."""
    document = _subject_document_or_404(document_id)
    form = WithdrawDocumentForm()
    if form.validate_on_submit():
        try:
            operations.withdraw_document(document, reason=form.reason.data, by=me())
        except Refused as error:
            beside_field(form, error, fallback="reason")
        else:
            flash(f"已撤回文件“{document.original_name}”。", "success")
            return redirect(_subject_page(document))
    return render_template("pool/document_withdraw.html", document=document, form=form,
                           back=_subject_page(document), allowed=document.withdrawable_by(me()))
