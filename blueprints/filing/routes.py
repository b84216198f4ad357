import json
import os

from flask import abort, flash, redirect, render_template, send_file, url_for

from blueprints.views import beside_field, errors_flashed, get_object_or_404, me
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
    return _page(_year_or_404(year))


def _page(year, build_form=None, no_list_form=None, sent_form=None, failed=None):
    """The filing page; a form posted with wrong input comes back bound with its errors beside the fields (a record's
    sent form only in that record's row, `failed`)."""
    data = operations.gather(year, local_now().date())
    items = operations.readiness(year, entries=data["entries"], summaries=data["summaries"])
    filings = list(Filing.of_year(year))
    return render_template("filing/page.html", year=year, items=items, ready=all(i.ok for i in items), data=data,
                           filings=filings, counts={f.id: json.loads(f.counts) for f in filings},
                           deadline=deadline_in(year, FILING_DEADLINE), today=local_now().date(),
                           build_form=build_form or BuildForm(formdata=None, filing_date=local_now().date()),
                           sent_form=SentForm(formdata=None, sent_on=local_now().date()), failed=failed,
                           failed_form=sent_form, no_list_form=no_list_form or NoListForm(formdata=None), declaration=FilingDeclaration.get_or_none(FilingDeclaration.year == year))


@bp.route("/<int:year>/build", methods=["POST"])
@staff_required
def filing_build(year):
    """Build the bundle (refused while any readiness item is red)."""
    _year_or_404(year)
    form = BuildForm()
    if not form.validate_on_submit():
        return _page(year, build_form=form)
    try:
        filing = operations.build(year, filing_date=form.filing_date.data, by=me())
        flash(f"备案材料已生成（SHA-256 {filing.sha256[:16]}…），计划版本已锁定。", "success")
    except Refused as error:
        if beside_field(form, error):
            return _page(year, build_form=form)
        flash(str(error), "danger")  # a readiness item is red: the list above says which
    return redirect(url_for("filing.filing_page", year=year))


@bp.route("/<int:year>/no-list", methods=["POST"])
@staff_required
def filing_no_list(year):
    """State that the city has no municipal list this year."""
    _year_or_404(year)
    form = NoListForm()
    if not form.validate_on_submit():
        return _page(year, no_list_form=form)
    operations.declare_no_list(year, statement=form.statement.data, by=me())
    flash("已记录说明。", "success")
    return redirect(url_for("filing.filing_page", year=year))


@bp.route("/records/<int:filing_id>/download")
@staff_required
def filing_download(filing_id):
    """Download one built bundle (older ones stay downloadable)."""
    filing = get_object_or_404(Filing, Filing.id == filing_id)
    path = operations.filing_path(filing)
    if not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"{filing.year}年绿色制造培育备案材料-{filing.built_at:%Y%m%d%H%M}.zip")


@bp.route("/records/<int:filing_id>/sent", methods=["POST"])
@staff_required
def filing_sent(filing_id):
    """Mark a bundle as sent to the province."""
    filing = get_object_or_404(Filing, Filing.id == filing_id)
    form = SentForm()
    if form.validate_on_submit():
        try:
            operations.mark_sent(filing, sent_on=form.sent_on.data, how=form.how.data, by=me())
            flash("已标记为已报送。", "success")
        except Refused as error:
            if beside_field(form, error):
                return _page(filing.year, sent_form=form, failed=filing.id)
            flash(str(error), "danger")  # already marked: its form is gone from the page
    elif filing.sent_on is None:
        return _page(filing.year, sent_form=form, failed=filing.id)
    else:
        return errors_flashed(form, url_for("filing.filing_page", year=filing.year))
    return redirect(url_for("filing.filing_page", year=filing.year))
