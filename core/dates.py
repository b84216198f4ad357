"""Dates as Chinese official documents and messages write them (2026年8月31日): one function for rules.py, the
writers, the templates and the messages. App-free (the standard library only)."""


def chinese_date(value):
    """2026年8月31日 (no leading zeros, GB/T 9704 7.3.5.3); "" for no date."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
