"""Every kind of page, as each role sees it on the demo city, at 1366 and at 1920 pixels wide (issue 18 item 9):
no horizontal overflow, no button or navbar label broken over two lines, no clipped text in a form control.

The pages are found the way a person finds them: by following the links from each role's home page (one page per
kind of URL, the ids replaced), so a new page is checked without being listed here.
"""
import re

import pytest

import demo
from models import db
from tests.test_page_hygiene import _crawl

from .steps import login

WIDTHS = (1366, 1920)
ROLES = ("admin", "enterprise", "agency", "expert1")

# Measured in the page: [kind, what, where] for each problem found.
PROBLEMS_JS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) problems.push(["横向溢出", doc.scrollWidth + "px", ""]);
  const visible = el => el.offsetParent !== null && el.getClientRects().length > 0;
  // a badge marked text-wrap carries a sentence (a reason, a flag) and may wrap on purpose
  for (const el of document.querySelectorAll(".btn, .navbar-text, .nav-link, .badge:not(.text-wrap)")) {
    if (!visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 1).map(r => Math.round(r.top)));
    if (tops.size > 1) problems.push(["标签折行", el.textContent.trim().slice(0, 20), el.className]);
  }
  for (const el of document.querySelectorAll("select, input[type=date]")) {
    if (!visible(el)) continue;
    // a select narrower than its chosen option's text, or a date field narrower than a full date, hides part of it
    const text = el.tagName === "SELECT" ? (el.selectedOptions[0] || {}).text || "" : "2026-12-31";
    const probe = document.createElement("span");
    probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap;font:" + getComputedStyle(el).font;
    probe.textContent = text;
    document.body.appendChild(probe);
    const needed = probe.getBoundingClientRect().width + (el.tagName === "SELECT" ? 36 : 40);
    probe.remove();
    if (el.getBoundingClientRect().width + 1 < needed)
      problems.push(["内容被截断", text.slice(0, 20), el.name || el.id]);
  }
  return problems;
}"""


def _shape(url):
    """The kind of page: ids and tokens (/green/<token>) replaced."""
    path = re.sub(r"/[\w-]{16,}", "/T", url.split("?")[0])
    return re.sub(r"\d+", "N", path)


@pytest.fixture
def city(live_app):
    with live_app.app_context(), db.connection_context():
        demo.load()


def _pages(app, role):
    """One URL per kind of page the role reaches from its home (crawled with the test client, without CSRF tokens)."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": role, "password": demo.DEMO_PASSWORD}).status_code == 302
        kinds = {}
        for url, _ in _crawl(client, "/home"):
            kinds.setdefault(_shape(url), url)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return sorted(kinds.values())


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_at_1366_and_1920(page, live_app, live_server, city, role):
    urls = _pages(live_app, role)
    assert len(urls) > 3
    login(page, live_server, role, demo.DEMO_PASSWORD)
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in urls:
            page.goto(live_server + url)
            for kind, what, where in page.evaluate(PROBLEMS_JS):
                found.append(f"{width}px {url}: {kind} {what!r} {where}")
    assert not found, "\n".join(found)
