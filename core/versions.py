"""Page parts kept in this process and served again exactly while the data they show is unchanged (issue 19).

`remembered(topic, key, compute)` reads the topic's (epoch, version) from data_version: a counter the database bumps
by trigger in the same transaction as every change to the topic's tables (migrations/028_data_version.py). A part is
kept under the version it was computed at and served only to a request that reads that same version, so no stale
part is ever served, by this server or by another one sharing the database. It is kept only when the version read
after computing it is still the one read before: a change committed meanwhile may or may not be in it.

Inside a transaction nothing is kept or served: the transaction may see its own uncommitted changes, whose version
number another change could reach after a rollback.
"""
import threading
from collections import OrderedDict

from models import db

PARTS_PER_TOPIC = 256  # a pool list page is about 30 KB: some 8 MB per process at most

_lock = threading.Lock()
_kept = {}  # topic → (stamp, OrderedDict{key: part}), only the newest stamp's parts


def stamp(topic):
    """The topic's (epoch, version) as the database holds it now; None when the database has no such topic."""
    # db.param is the driver's placeholder (? or %s): the topic itself goes as a parameter
    return db.execute_sql(f"SELECT epoch, version FROM data_version WHERE topic = {db.param}",  # noqa: S608
                          (topic,)).fetchone()


def remembered(topic, key, compute):
    """`compute()`, or the part computed for `key` at the topic's current version."""
    if db.in_transaction():
        return compute()
    before = stamp(topic)
    if before is None:
        return compute()
    with _lock:
        kept_stamp, parts = _kept.get(topic, (None, None))
        if kept_stamp == before and key in parts:
            parts.move_to_end(key)
            return parts[key]
    part = compute()
    if stamp(topic) == before:
        with _lock:
            kept_stamp, parts = _kept.get(topic, (None, None))
            if kept_stamp != before:  # the first part at a new version: the older version's parts go
                parts = OrderedDict()
                _kept[topic] = (before, parts)
            parts[key] = part
            if len(parts) > PARTS_PER_TOPIC:
                parts.popitem(last=False)
    return part

