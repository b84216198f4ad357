"""Small helpers the views of several areas share (view code: they read the request and flash)."""
from flask import flash
from flask_login import current_user

from blueprints.pool import operations as pool_operations
from blueprints.pool.forms import UploadForm
from core import uploads


def upload_posted_document(subject):
    """Store the document posted with the UploadForm for the subject (staff on its page, or its own enterprise) and
    say how it went."""
    form = UploadForm()
    if not form.validate_on_submit():
        flash("；".join(m for messages in form.errors.values() for m in messages) or "请选择文件", "danger")
        return
    try:
        pool_operations.attach_document(subject, form.file.data, form.purpose.data,
                                        current_user._get_current_object())
        flash("文件已上传。", "success")
    except uploads.UploadError as error:
        flash(f"上传失败：{error}", "danger")
