"""The bureau's configurable values: defaults here, overrides in the Setting table.

The regulation's numbers default to rules.py; the bureau may override those the article
leaves to configuration (thresholds, freshness window, number of experts, calendar dates).
"""
import json
from datetime import date

from flask import g, has_request_context

import rules
from models import Setting, local_now

DEFAULTS = {
    "city_name": "",
    "division_code": "",
    "districts": [],
    "bureau_name": "",
    "bureau_address": "",
    "bureau_contact": "",
    "bureau_phone": "",
    "bureau_email": "",
    "qualifying_score": rules.QUALIFYING_SCORE,
    "key_cultivation_score": rules.KEY_CULTIVATION_SCORE,
    "veto_check_max_age_days": 180,
    "experts_per_application": 3,
    "province_call_date": "04-15",
    "city_recommendation_due": "07-10",
    "password_max_age_days": 0,  # staff and admin passwords expire after this many days; 0: never
    # GB/T 9704: 发文字号 = prefix〔year〕N号 (N allocated when a document is issued) and the 签发人 of 上行文
    "document_number_prefix": "",
    "signer": "",
    # the title cited on first mention (then 《实施细则》): the seed is the draft for comment; the final text differs
    "regulation_title": "《黑龙江省绿色制造与服务体系梯度培育及管理实施细则（征求意见稿）》",
}

# What the bureau must fill in before documents can carry its name.
REQUIRED_FOR_DOCUMENTS = ("city_name", "division_code", "districts", "bureau_name", "bureau_address",
                          "bureau_contact", "bureau_phone")


def get(key):
    stored = _stored()
    return json.loads(stored[key]) if key in stored else DEFAULTS[key]


def month_day(key):
    """A 月-日 setting (such as city_recommendation_due) as (month, day); the default when the stored text does not
    read as a date."""
    for text in (get(key), DEFAULTS[key]):
        try:
            month, day = (int(part) for part in str(text).split("-"))
            date(2024, month, day)  # a leap year: 02-29 is a date the bureau may set
            return month, day
        except ValueError:
            continue
    raise ValueError(key)


def get_all():
    """Every setting, stored or default."""
    stored = _stored()
    return {key: json.loads(stored[key]) if key in stored else default for key, default in DEFAULTS.items()}


def _stored():
    """The stored rows as {key: JSON text}: read once per request (kept on flask.g until the request ends or a save),
    not once per use, as a page reads several settings. Every caller decodes its own copy."""
    memo = _request_memo()
    stored = memo.get("settings") if memo is not None else None
    if stored is None:
        stored = {row.key: row.value for row in Setting.select(Setting.key, Setting.value)}
        if memo is not None:
            memo["settings"] = stored
    return stored


def _request_memo():
    """flask.g's dict for this module inside a request, else None (CLI, tests outside a request: read each time)."""
    if not has_request_context():
        return None
    return g.setdefault("_settings_memo", {})


def save(values, user=None):
    """Store the given keys; returns the keys whose value changed. Call inside db.atomic()."""
    changed = []
    current = get_all()
    for key, value in values.items():
        if key not in DEFAULTS:
            raise KeyError(key)
        if current.get(key) == value:
            continue
        changed.append(key)
        encoded = json.dumps(value, ensure_ascii=False)
        (Setting.insert(key=key, value=encoded, updated_at=local_now(), updated_by=user)
         .on_conflict(conflict_target=[Setting.key],
                      update={Setting.value: encoded, Setting.updated_at: local_now(), Setting.updated_by: user})
         .execute())
    if changed and (memo := _request_memo()) is not None:
        memo.pop("settings", None)
    return changed


def missing_for_documents():
    values = get_all()
    return [key for key in REQUIRED_FOR_DOCUMENTS if not values.get(key)]
