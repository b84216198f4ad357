import json
import os

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from core.access import staff_required
from models import Filing, FilingDeclaration, local_now
from rules import FILING_DEADLINE, Refused, deadline_in

from . import bp, operations
from .forms import BuildForm, NoListForm, SentForm


def _year_or_404(year):
    if operations.year_problem(year, local_now().date()):
        abort(404)
    return year


@bp.route("/")
@staff_required
def filing_home():
    """The current year's filing page."""
    return redirect(url_for("filing.filing_page", year=local_now().year))


@bp.route("/<int:year>")
@staff_required
def filing_page(year):
    """Readiness, preview, build, and the year's filing records (第十四条: by 31 August)."""
    _year_or_404(year)
    data = operations.gather(year, local_now().date())
    items = operations.readiness(year, data["entries"], data["summaries"])
    filings = list(Filing.of_year(year))
    return render_template("filing/page.html", year=year, items=items, ready=all(i.ok for i in items), data=data,
                           filings=filings, counts={f.id: json.loads(f.counts) for f in filings},
                           deadline=deadline_in(year, FILING_DEADLINE), today=local_now().date(),
                           build_form=BuildForm(filing_date=local_now().date()), sent_form=SentForm(sent_on=local_now().date()),
                           no_list_form=NoListForm(), declaration=FilingDeclaration.get_or_none(FilingDeclaration.year == year))


@bp.route("/<int:year>/build", methods=["POST"])
@staff_required
def filing_build(year):
    """Build the bundle (refused while any readiness item is red)."""
    _year_or_404(year)
    form = BuildForm()
    if not form.validate_on_submit():
        flash("；".join(m for ms in form.errors.values() for m in ms), "danger")
    else:
        try:
            filing = operations.build(year, form.filing_date.data, current_user._get_current_object())
            flash(f"备案材料已生成（SHA-256 {filing.sha256[:16]}…），计划版本已锁定。", "success")
        except Refused as error:
            flash(str(error), "danger")
    return redirect(url_for("filing.filing_page", year=year))


@bp.route("/<int:year>/no-list", methods=["POST"])
@staff_required
def filing_no_list(year):
    """State that the city has no municipal list this year."""
    _year_or_404(year)
    form = NoListForm()
    if form.validate_on_submit():
        operations.declare_no_list(year, form.statement.data, current_user._get_current_object())
        flash("已记录说明。", "success")
    else:
        flash("；".join(m for ms in form.errors.values() for m in ms), "danger")
    return redirect(url_for("filing.filing_page", year=year))


def _filing_or_404(filing_id):
    filing = Filing.get_or_none(Filing.id == filing_id)
    if filing is None:
        abort(404)
    return filing


@bp.route("/records/<int:filing_id>/download")
@staff_required
def filing_download(filing_id):
    """Download one built bundle (older ones stay downloadable)."""
    filing = _filing_or_404(filing_id)
    path = operations.filing_path(filing)
    if not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"{filing.year}年绿色制造培育备案材料-{filing.built_at:%Y%m%d%H%M}.zip")


@bp.route("/records/<int:filing_id>/sent", methods=["POST"])
@staff_required
def filing_sent(filing_id):
    """Mark a bundle as sent to the province."""
    filing = _filing_or_404(filing_id)
    form = SentForm()
    if form.validate_on_submit():
        try:
            operations.mark_sent(filing, form.sent_on.data, form.how.data, current_user._get_current_object())
            flash("已标记为已报送。", "success")
        except Refused as error:
            flash(str(error), "danger")
    else:
        flash("；".join(m for ms in form.errors.values() for m in ms), "danger")
    return redirect(url_for("filing.filing_page", year=filing.year))
