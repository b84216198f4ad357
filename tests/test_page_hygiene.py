"""Every page a role can reach from its home, crawled on the demo city (issue 18 items 10 and 11):
- no English identifier ("commitment", "management_systems", "pending") in the visible text;
- every id once per page, and every field a person fills in has a label that points at it.
"""
import re
from urllib.parse import urldefrag, urlparse

import lxml.html
import pytest

import demo

ROLES = ["admin", "staff", "enterprise", "agency", "expert1", None]
MAX_PAGES = 400
# links not to follow: downloads, and what would end the session
SKIP = re.compile(r"\.(xlsx|docx|zip|pdf|json|txt)$|/documents/|/logout|/export|/package|/bundle|/static/")
# ASCII words a Chinese page may show: formats, standards, units, names of products
ALLOWED = {"pdf", "docx", "xlsx", "word", "excel", "wps", "kb", "mb", "gb", "ip", "id", "url", "http", "https", "www",
           "csv", "json", "zip", "ok", "vs", "tco", "lca", "ccer", "iso", "gbt", "cn", "gov", "com", "html", "txt",
           "sha", "utf", "qr", "ca", "xxx", "nan"}
IDENTIFIER = re.compile(r"(?<![\w.@/-])([A-Za-z][A-Za-z_]*[a-z_][A-Za-z_]*)(?![\w.@/-])")
FIELDS = "//input[not(@type='hidden') and not(@type='submit') and not(@type='button') and not(@type='reset')]" \
         "|//select|//textarea"


@pytest.fixture
def city(app):
    with app.app_context():
        demo.load()


def _client(app, role):
    client = app.test_client()
    if role:
        assert client.post("/login", data={"username": role, "password": demo.DEMO_PASSWORD}).status_code == 302
    return client


def _crawl(client, start="/home"):
    """(url, parsed page) for every HTML page reachable by GET links from start."""
    seen, queue = set(), [start]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        tree = lxml.html.fromstring(response.get_data(as_text=True))
        yield url, tree
        for href in tree.xpath("//a/@href"):
            href = urldefrag(href)[0]
            parsed = urlparse(href)
            if parsed.scheme or parsed.netloc or not href.startswith("/") or SKIP.search(parsed.path):
                continue
            if href not in seen:
                queue.append(href)


def _visible_text(tree):
    for bad in tree.xpath("//script|//style|//code|//pre|//*[@hidden]|//template|//option"):
        bad.drop_tree()
    return " ".join(tree.xpath("//body//text()"))


def identifier_words(tree):
    text = _visible_text(tree)
    text = re.sub(r"\S+@\S+|https?://\S+|/[\w/.-]+", " ", text)  # addresses and paths
    return sorted({w for w in IDENTIFIER.findall(text) if w.lower() not in ALLOWED and len(w) > 2})


def duplicate_ids(tree):
    ids = tree.xpath("//@id")
    return sorted({i for i in ids if ids.count(i) > 1})


def unlabelled_fields(tree):
    labelled = set(tree.xpath("//label/@for"))
    missing = []
    for field in tree.xpath(FIELDS):
        if field.get("aria-label") or field.get("aria-labelledby") or field.get("title"):
            continue
        if field.get("id") and field.get("id") in labelled:
            continue
        if field.xpath("ancestor::label"):
            continue
        missing.append(field.get("name") or field.get("id") or lxml.html.tostring(field)[:60])
    return missing


def test_the_checks_catch_what_they_are_for():
    page = lxml.html.fromstring('<html><body><p>材料：commitment、申请报告 PDF</p><code>snake_case</code>'
                                '<label for="a">名称</label><input id="a" name="a"><input id="a" name="b">'
                                '<textarea name="c" aria-label="说明"></textarea></body></html>')
    assert identifier_words(page) == ["commitment"]
    page = lxml.html.fromstring('<html><body><label for="a">名称</label><input id="a" name="a">'
                                '<input id="a" name="b"><textarea name="c" aria-label="说明"></textarea></body></html>')
    assert duplicate_ids(page) == ["a"]
    assert unlabelled_fields(page) == []  # "b" shares the labelled id: caught as a duplicate id
    page = lxml.html.fromstring('<html><body><input name="lonely"></body></html>')
    assert unlabelled_fields(page) == ["lonely"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_chinese_and_labels_its_fields(app, city, role):
    client = _client(app, role)
    problems, pages = [], 0
    for url, tree in _crawl(client, "/home" if role else "/"):
        pages += 1
        if duplicate_ids(tree):
            problems.append(f"{url}: 重复 id {duplicate_ids(tree)}")
        if unlabelled_fields(tree):
            problems.append(f"{url}: 无标签字段 {unlabelled_fields(tree)}")
        words = identifier_words(tree)
        if words:
            problems.append(f"{url}: 英文标识符 {words}")
    assert pages > 3
    assert not problems, "\n".join(problems)
