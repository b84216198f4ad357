"""Rate-limit counters in the site's own database, so that every gunicorn worker (and every app server on
one PostgreSQL) counts against the same limit with no separate server.

A `limits` storage with its own scheme: `RATELIMIT_STORAGE_URI = "greenladder://"` (the default). A bureau that
runs Redis sets `RATELIMIT_STORAGE_URI=redis://…` instead. Only the fixed-window strategy is supported.
"""
import random
import time

from flask import current_app
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from peewee import Case, PeeweeException

from models import RateLimitCounter, db

SECURITY_EVENTS_PER_MINUTE = "20/minute"  # audited denials per source address: a flood cannot fill the table


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["greenladder"]

    @property
    def base_exceptions(self):
        return PeeweeException

    def incr(self, key, expiry, amount=1):
        now = time.time()
        with db.atomic():
            expired = RateLimitCounter.expires_at <= now
            (RateLimitCounter.insert(key=key, count=amount, expires_at=now + expiry)
             .on_conflict(conflict_target=[RateLimitCounter.key], update={
                 RateLimitCounter.count: Case(None, [(expired, amount)], RateLimitCounter.count + amount),
                 RateLimitCounter.expires_at: Case(None, [(expired, now + expiry)], RateLimitCounter.expires_at)})
             .execute())
            count = RateLimitCounter.get(RateLimitCounter.key == key).count
            if random.random() < 0.01:  # noqa: S311  (housekeeping, not security)
                RateLimitCounter.delete().where(RateLimitCounter.expires_at < now - 3600).execute()
        return count

    def _live(self, key):
        return RateLimitCounter.get_or_none(RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time())

    def get(self, key):
        row = self._live(key)
        return row.count if row else 0

    def get_expiry(self, key):
        row = self._live(key)
        return row.expires_at if row else time.time()

    def check(self):
        RateLimitCounter.select().limit(1).execute()
        return True

    def reset(self):
        return RateLimitCounter.delete().execute()

    def clear(self, key):
        RateLimitCounter.delete().where(RateLimitCounter.key == key).execute()


def init_app(app):
    """A limiter of its own for audited security events, on the same storage as the request limits."""
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["security_event_limiter"] = FixedWindowRateLimiter(storage)


def allow_security_event(source):
    """False once this source has had its share of audited security events this minute."""
    return current_app.extensions["security_event_limiter"].hit(parse(SECURITY_EVENTS_PER_MINUTE), "audit", source)
