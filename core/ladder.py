"""Where a subject stands on the ladder (意向 → 培育库 → 市级 → 省级 → 国家级), derived from its pool entry and
listings. Subject.rung keeps the result for fast filtering; every operation that changes either calls refresh()."""
import rules
from models import Listing, ListingStatus, PoolEntry, PoolStatus, Rung, Subject


def current_rung(subject):
    listed = [row.rung for row in Listing.select(Listing.rung)
              .where(Listing.subject == subject, Listing.status == ListingStatus.LISTED.value)]
    if listed:
        return max(listed, key=rules.rung_rank)
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    if entry is not None and entry.status != PoolStatus.EXITED.value:
        return Rung.POOL.value
    return Rung.INTEREST.value


def refresh(subject):
    """Recompute and store the subject's rung; returns it."""
    rung = current_rung(subject)
    if subject.rung != rung:
        subject.rung = rung
        subject.save(only=[Subject.rung])  # only the rung: the rest of the row may be stale
    return rung
