from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from peewee import fn

from blueprints.agencies.invitations import invitation_panel
from blueprints.pool.figures import pool_figures
from core import deadlines, settings, uploads
from core.access import login_required, public
from models import Document, Role, SubjectCount, SubjectKind, SubjectStatus, db, local_now

from . import bp


@bp.route("/")
@public
def index():
    """The public front page: what the site is, and the way in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    counts = dict(SubjectCount.select(SubjectCount.kind, fn.SUM(SubjectCount.n))
                  .where(SubjectCount.status == SubjectStatus.ADMITTED.value)
                  .group_by(SubjectCount.kind).tuples())
    return render_template("main/index.html", counts=counts, kinds=list(SubjectKind),
                           city=settings.get_all())


def staff_figures():
    """Subjects by kind and district, and the registrations waiting for a decision: read from subject_count (a few
    rows kept by triggers in the same transaction as every change, migrations/027_search_index.py), not a scan of
    every subject on each load."""
    counts = list(SubjectCount.select(SubjectCount.district, SubjectCount.kind, SubjectCount.status, SubjectCount.n)
                  .where(SubjectCount.n != 0).tuples())
    by_district, status_counts = {}, {}
    for district, kind, status, n in counts:
        status_counts[status] = status_counts.get(status, 0) + n
        if status != SubjectStatus.DECLINED.value:
            row = by_district.setdefault(district, {})
            row[kind] = row.get(kind, 0) + n
    districts = [d for d in settings.get("districts") if d in by_district]
    districts += sorted(d for d in by_district if d not in districts)
    return {
        "districts": districts,
        "by_district": by_district,
        "kind_totals": {k.value: sum(row.get(k.value, 0) for row in by_district.values()) for k in SubjectKind},
        "total": sum(sum(row.values()) for row in by_district.values()),
        "status_counts": status_counts,
        "waiting": status_counts.get(SubjectStatus.PENDING.value, 0),  # Subject.waiting()
    }


@bp.route("/home")
@login_required
def home():
    """Each role's starting page; staff see the city's figures."""
    if current_user.is_staff:
        return render_template("main/home_staff.html", figures=staff_figures(), pool_figures=pool_figures,
                               kinds=list(SubjectKind),
                               statuses=list(SubjectStatus), missing_settings=settings.missing_for_documents(),
                               deadlines=deadlines.calendar(local_now().date()),
                               invitations=invitation_panel(local_now().date()))
    if current_user.role == Role.ENTERPRISE.value and current_user.subject_id:
        return redirect(url_for("enterprise.my_subject"))
    if current_user.role == Role.AGENCY.value and current_user.agency_id:
        return redirect(url_for("agencies.workspace"))
    if current_user.role == Role.EXPERT.value:
        return redirect(url_for("review.my_reviews"))
    return render_template("main/home_member.html")


@bp.route("/healthz")
@public
def healthz():
    """200 after a database round trip, 503 when the database cannot be reached."""
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
    except Exception:  # any driver error means the database is unreachable
        return {"status": "unavailable"}, 503
    return {"status": "ok"}


@bp.route("/documents/<int:document_id>")
@login_required
def document_download(document_id):
    """Download a stored file, as an attachment, if the user may read its owner's documents."""
    document = Document.get_or_none(Document.id == document_id)
    if document is None or document.withdrawn_at is not None or not uploads.may_read(current_user, document):
        abort(404)
    return uploads.send(document)
