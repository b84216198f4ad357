"""Machine-readable, verifiable packages (issue 17 item 8): data.json beside the sheets, described by the schemas in
docs/schema/, and `flask --app app package verify FILE.zip` on the receiving side."""
import hashlib
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from blueprints.filing import operations as filing
from blueprints.filing import writers as bundle
from blueprints.recommend import operations as recommend
from core import datapackage
from models import AuditEvent, Filing, RecommendationRound, local_now

from .test_filing import YEAR, city  # noqa: F401 - fixtures
from .test_recommend import applicant, decide_all, open_round

TODAY = local_now().date()


@pytest.fixture
def bundle_zip(app, staff, city):  # noqa: F811 - the imported fixtures
    with app.test_request_context():
        record = filing.build(YEAR, filing_date=TODAY, by=staff)
        with open(filing.filing_path(record), "rb") as fh:
            return fh.read()


def rezip(content, replace=None, remove=(), add=None, fix_manifest=False):
    """The package with files replaced, removed or added; `fix_manifest` rewrites the manifest to match (a tamperer
    who also edits the manifest, so only the cross-checks can tell)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    files = {name: source.read(name) for name in source.namelist() if name not in remove}
    files.update(replace or {})
    files.update(add or {})
    if fix_manifest:
        body = {n: b for n, b in files.items() if n != datapackage.MANIFEST}
        files[datapackage.MANIFEST] = bundle.manifest(body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    return out.getvalue()


def edit_data(content, change):
    document = json.loads(zipfile.ZipFile(io.BytesIO(content)).read(datapackage.DATA))
    change(document)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def cli_verify(runner, tmp_path, content):
    path = tmp_path / "package.zip"
    path.write_bytes(content)
    return runner.invoke(args=["package", "verify", str(path)])


def test_the_bundle_carries_data_json_in_its_manifest(app, bundle_zip, city):  # noqa: F811
    archive = zipfile.ZipFile(io.BytesIO(bundle_zip))
    assert datapackage.DATA in archive.namelist()
    manifest = archive.read(datapackage.MANIFEST).decode("utf-8")
    digest = hashlib.sha256(archive.read(datapackage.DATA)).hexdigest()
    assert f"{datapackage.DATA}\t{len(archive.read(datapackage.DATA))}\t{digest}" in manifest
    document = json.loads(archive.read(datapackage.DATA))
    assert document["schema_version"] == datapackage.SCHEMA_VERSION and document["package"] == "filing-bundle"
    assert sorted(r["credit_code"] for r in document["tables"]["pool"]["rows"]) == sorted(s.credit_code for s in city)
    assert document["counts"]["pool"] == 3 and document["counts"]["list"] == 1


def test_a_good_bundle_verifies(runner, tmp_path, bundle_zip):
    assert datapackage.verify_package(bundle_zip) == []
    result = cli_verify(runner, tmp_path, bundle_zip)
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.output


def test_two_builds_give_the_same_data_json(app, staff, city, bundle_zip, db_conn):  # noqa: F811
    with app.test_request_context():
        again = filing.build(YEAR, filing_date=TODAY, by=staff)
        with open(filing.filing_path(again), "rb") as fh:
            second = fh.read()
    read = lambda content: zipfile.ZipFile(io.BytesIO(content)).read(datapackage.DATA)  # noqa: E731
    assert read(second) == read(bundle_zip)


def _changed_pool_sheet(content):
    archive = zipfile.ZipFile(io.BytesIO(content))
    workbook = load_workbook(io.BytesIO(archive.read(bundle.POOL)))
    sheet = workbook.active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("备案企业"):
                cell.value = "改过的企业有限公司"
                out = io.BytesIO()
                workbook.save(out)
                return out.getvalue()
    raise AssertionError("no subject name in the pool sheet")


@pytest.mark.parametrize("tamper, reason", [
    ("changed_file", "SHA-256 与文件清单不符"),
    ("changed_file_and_manifest", "两者不一致"),
    ("changed_data_row", f"{datapackage.DATA} 的 SHA-256 与文件清单不符"),
    ("changed_data_row_and_manifest", "两者不一致"),
    ("removed_file", "不在压缩包中（文件缺失）"),
    ("extra_file", "文件清单未列出的文件：说明.txt"),
    ("count_differs", "培育库对象数量不一致"),
    ("schema", "不符合数据结构说明"),
    ("no_data", f"压缩包中没有 {datapackage.DATA}"),
])
def test_a_tampered_bundle_fails_with_the_reason(runner, tmp_path, bundle_zip, tamper, reason):
    def rename(document):
        document["tables"]["pool"]["rows"][0]["name"] = "另一家企业有限公司"

    def recount(document):
        document["counts"]["pool"] = 4

    def bad_code(document):
        document["tables"]["pool"]["rows"][0]["credit_code"] = "123"

    tampered = {
        "changed_file": lambda: rezip(bundle_zip, replace={bundle.POOL: _changed_pool_sheet(bundle_zip)}),
        "changed_file_and_manifest": lambda: rezip(bundle_zip, replace={bundle.POOL: _changed_pool_sheet(bundle_zip)},
                                                   fix_manifest=True),
        "changed_data_row": lambda: rezip(bundle_zip, replace={datapackage.DATA: edit_data(bundle_zip, rename)}),
        "changed_data_row_and_manifest": lambda: rezip(
            bundle_zip, replace={datapackage.DATA: edit_data(bundle_zip, rename)}, fix_manifest=True),
        "removed_file": lambda: rezip(bundle_zip, remove=[bundle.LIST]),
        "extra_file": lambda: rezip(bundle_zip, add={"说明.txt": "补充".encode()}),
        "count_differs": lambda: rezip(bundle_zip, replace={datapackage.DATA: edit_data(bundle_zip, recount)},
                                       fix_manifest=True),
        "schema": lambda: rezip(bundle_zip, replace={datapackage.DATA: edit_data(bundle_zip, bad_code)},
                                fix_manifest=True),
        "no_data": lambda: rezip(bundle_zip, remove=[datapackage.DATA], fix_manifest=True),
    }[tamper]()
    problems = datapackage.verify_package(tampered)
    assert any(reason in problem for problem in problems), problems
    result = cli_verify(runner, tmp_path, tampered)
    assert result.exit_code != 0
    assert reason in result.output and "校验未通过" in result.output and "校验通过" not in result.output


def test_not_a_zip(runner, tmp_path):
    result = cli_verify(runner, tmp_path, b"not a zip")
    assert result.exit_code != 0 and "不是有效的 ZIP" in result.output


def test_the_filing_hash_is_in_the_audit_chain(app, bundle_zip, db_conn):
    record = Filing.select().order_by(Filing.id.desc()).first()
    event = AuditEvent.select().where(AuditEvent.action == "filing.build").order_by(AuditEvent.id.desc()).first()
    assert event.details_dict["sha256"] == record.sha256 == hashlib.sha256(bundle_zip).hexdigest()
    assert event.row_hash and event.prev_hash


def test_the_recommendation_package_verifies_and_its_hash_is_audited(app, client, make, login, staff, city,  # noqa: F811
                                                                     runner, tmp_path, db_conn):
    from models import Role

    a, b = applicant(app, make, staff, "甲企业有限公司"), applicant(app, make, staff, "乙企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(a, 1), (b, None)])
    login(make.user(Role.ADMIN))
    draft = client.get(f"/recommend/rounds/{round_.id}/package.zip?draft=1").data
    assert datapackage.verify_package(draft) == []
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)
    content = client.get(f"/recommend/rounds/{round_.id}/package.zip").data
    document = json.loads(zipfile.ZipFile(io.BytesIO(content)).read(datapackage.DATA))
    assert document["package"] == "recommendation-package"
    assert document["counts"]["applicants"] == 2 and document["counts"]["recommended"] == 1
    assert [r["name"] for r in document["tables"]["summary"]["rows"]] == ["甲企业有限公司", "乙企业有限公司"]
    result = cli_verify(runner, tmp_path, content)
    assert result.exit_code == 0 and "校验通过" in result.output, result.output

    def flip(doc):
        doc["tables"]["summary"]["rows"][1]["decision"] = "推荐"
    tampered = rezip(content, replace={datapackage.DATA: edit_data(content, flip)}, fix_manifest=True)
    problems = datapackage.verify_package(tampered)
    assert any("推荐结论" in p for p in problems) and any("推荐数量不一致" in p for p in problems), problems
    digests = [e.details_dict.get("sha256") for e in AuditEvent.select().where(
        AuditEvent.action.in_(["recommend.sign", "recommend.package"]))]
    assert hashlib.sha256(content).hexdigest() in digests
