"""Render a sample of each .docx the site writes to PDF (test-artifacts/docs-preview/), built from the demo city in a
throwaway database, to look at the GB/T 9704 layout: `make docs-preview`, then open the PDFs (or pdftoppm them).

The bureau's fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体) are not on Debian: a fontconfig file made
here maps them to Noto CJK for this rendering only."""
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OUT = Path(__file__).resolve().parent.parent / "test-artifacts" / "docs-preview"
ALIASES = {"仿宋_GB2312": "Noto Serif CJK SC", "方正小标宋简体": "Noto Serif CJK SC", "宋体": "Noto Serif CJK SC",
           "黑体": "Noto Sans CJK SC", "楷体_GB2312": "Noto Serif CJK SC"}


def build(workdir):
    """{file name: bytes} of each document, from the demo city."""
    import demo
    from app import create_app
    from blueprints.filing import operations as filing
    from blueprints.filing import writers as filing_writers
    from blueprints.plans import writers as plan_writers
    from blueprints.recommend import operations as recommend
    from blueprints.upkeep import operations as upkeep
    from blueprints.upkeep import writers as upkeep_writers
    from core import database, settings
    from models import Incident, Listing, ListingStatus, RecommendationRound, db, local_now

    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{workdir / 'preview.sqlite3'}",
                      "UPLOAD_DIR": str(workdir / "uploads"), "FILING_DIR": str(workdir / "filings"),
                      "IMPORT_DIR": str(workdir / "imports")})
    today = local_now().date()
    docs = {}
    with app.app_context(), db.connection_context():
        database.upgrade()
        demo.load()
        city = settings.get_all()
        files = filing_writers.build_files(filing.gather(today.year, today), plan_writers.build_plan_docx)
        docs.update({name: data for name, data in files.items() if name.endswith(".docx")})
        year = today.year - 1
        docs["05-动态管理表审核意见报告.docx"] = upkeep_writers.build_opinion_report_docx(
            year, status=upkeep.dynamic_report_status(year, today), city=city, when=today,
            number=f"{city['document_number_prefix']}〔{today.year}〕12号")
        incident = Incident.select().first()
        if incident is None:  # a sample on the first listed unit, not stored
            listing = Listing.select().where(Listing.status == ListingStatus.LISTED.value).first()
            incident = Incident(subject=listing.subject, occurred_on=date(today.year, 3, 2), kind="environment",
                                grade="major", source="市生态环境局通报", description="污水处理站故障，部分未经处理的废水"
                                "排入厂外沟渠，已于当日封堵并启动应急监测。")
        docs["06-事故事件报告.docx"] = upkeep_writers.build_incident_report_docx(incident, city=city, when=today)
        round_ = RecommendationRound.select().order_by(RecommendationRound.year.desc(),
                                                       RecommendationRound.version.desc()).first()
        if round_ is not None:  # the recommendation package: its letter, opinions and adjustments
            content, _ = recommend.package_for(round_)
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                docs.update({f"推荐材料-{name}": archive.read(name) for name in archive.namelist()
                             if name.endswith(".docx")})
    return docs


def fontconfig(workdir):
    rules = "".join(f"<alias binding='same'><family>{name}</family><prefer><family>{target}</family></prefer></alias>"
                    for name, target in ALIASES.items())
    path = workdir / "fonts.conf"
    path.write_text(f"<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
                    f"<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>{rules}</fontconfig>",
                    encoding="utf-8")
    return path


def main():
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("需要 LibreOffice：请以 root 运行 apt-get install libreoffice-writer-nogui（或 make docs-preview）")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        docs = build(workdir)
        OUT.mkdir(parents=True, exist_ok=True)
        sources = []
        for name, data in docs.items():
            (OUT / name).write_bytes(data)
            sources.append(str(OUT / name))
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig(workdir)), "HOME": str(workdir)}
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(OUT), *sources],  # noqa: S603
                       check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
    for name in docs:
        print(OUT / name.replace(".docx", ".pdf"))


if __name__ == "__main__":
    main()
