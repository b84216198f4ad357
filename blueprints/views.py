"""Small helpers the views of several areas share (view code: they read the request, flash and answer).

- `me()`: the logged-in user as an object operations can store (not the proxy);
- `get_object_or_404(query_or_model, *expr)`: peewee's (playhouse.flask_utils), re-exported so views import it from
  one place; ids in URLs are already bounded by the `<int:…>` converter (core/bounds.py);
- `fragment_or_page(...)`: an htmx request gets the fragment, any other (and a history restore) the whole page;
- `inline_answer(...)`: the tail of an inline change: htmx gets the changed row (200 even on a refusal, the row
  carries the message) and an event when something changed; without htmx a flash and back to the page;
- `beside_field(...)`, `errors_flashed(...)`: a refusal beside the field it names, or (the form gone from its page
  meanwhile) the messages as a flash;
- `upload_posted_document(subject)`: a subject's document from the upload form, its failure beside the file box.
"""
from flask import flash, redirect, render_template
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core import uploads
from core.extensions import htmx

__all__ = ["beside_field", "errors_flashed", "fragment_or_page", "get_object_or_404", "inline_answer", "me", "upload_posted_document"]


def me():
    """The logged-in user (the object, not the proxy), as operations take it for `by`."""
    return current_user._get_current_object()


def fragment_or_page(fragment_template, page_template, **context):
    """The fragment alone for an htmx request, the whole page otherwise (and on history restore)."""
    if htmx and not htmx.history_restore_request:
        return render_template(fragment_template, **context)
    return render_template(page_template, **context)


def beside_field(form, refused, fallback=None):
    """Put a `Refused`'s message beside the field it names (`refused.field`), else beside `fallback`; False when it
    belongs to no field of the form (then a flash is the place for it)."""
    name = refused.field if refused.field and refused.field in form else fallback
    if name is None:
        return False
    form[name].errors = [*form[name].errors, str(refused)]
    return True


def errors_flashed(form, back):
    """For a form no longer on its page (the state changed meanwhile): its messages as a flash, and back to `back`.
    A form still on its page comes back bound instead, the messages beside its fields."""
    flash("；".join(m for messages in form.errors.values() for m in messages) or "请刷新页面后重试", "danger")
    return redirect(back)


def inline_answer(error, back, render, *, trigger=None, done="已保存。"):
    """After an inline change: for htmx `render()` (the changed row or card, carrying `error` if any) with the event
    `trigger` when the change was made; without htmx `error` or `done` as a flash and a redirect to `back`."""
    if not htmx:
        flash(error or done, "danger" if error else "success")
        return redirect(back)
    return htmx_response(render(), trigger=None if error else trigger)


def upload_posted_document(subject):
    """Store the document posted with the UploadForm for the subject (staff on its page, or its own enterprise).
    Returns None when stored (and says so), else the form with the reason beside its file box, for the page to
    show again."""
    from blueprints.pool import operations as pool_operations
    from blueprints.pool.forms import UploadForm

    form = UploadForm()
    if not form.validate_on_submit():
        return form
    try:
        pool_operations.attach_document(subject, form.file.data, purpose=form.purpose.data, by=me())
    except uploads.UploadError as error:
        form.file.errors = [f"上传失败：{error}"]
        return form
    flash("文件已上传。", "success")
    return None
