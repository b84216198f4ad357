"""发文字号 (GB/T 9704 7.2.4): the year's sequence number, allocated when a document is issued.

A draft shows 〔2026〕__号; issuing takes the next number of the year inside one transaction (the unique index on year
and sequence settles two issues at the same moment), and issuing the same document again gives back its number.
"""
from peewee import IntegrityError, fn

from core import audit, settings
from core.documents import document_number
from models import IssuedDocument, db
from rules import Refused


def issued(kind, object_key):
    """The issued row of this document, or None while it is a draft."""
    return IssuedDocument.get_or_none(IssuedDocument.kind == kind, IssuedDocument.object_key == str(object_key))


def issue(kind, object_key, title, year, by):
    """The document's number: the one it was given, or the next of `year` (audited as document.issue)."""
    for _ in range(5):
        row = issued(kind, object_key)
        if row is not None:
            return row
        try:
            with db.atomic():
                last = (IssuedDocument.select(fn.MAX(IssuedDocument.sequence))
                        .where(IssuedDocument.year == year).scalar() or 0)
                number = document_number(settings.get("document_number_prefix"), year, last + 1)
                row = IssuedDocument.create(year=year, sequence=last + 1, number=number, kind=kind,
                                            object_key=str(object_key), title=title[:200], issued_by=by)
                audit.record("document.issue", object_type="issued_document", user=by,
                             details={"number": number, "kind": kind, "object": str(object_key), "title": title})
            return row
        except IntegrityError:  # another issue took this number, or issued this document, at the same moment
            continue
    raise Refused("发文字号分配冲突，请稍后重试")
