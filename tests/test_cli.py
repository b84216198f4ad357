"""Demo data, backup and restore from the shell."""
import sqlite3

from models import Subject, User, db


def test_demo_load_fills_an_empty_database_and_refuses_twice(runner, app):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Ladder2026demo" in result.output
    with app.app_context():
        assert Subject.select().count() >= 50
        assert {u.role for u in User.select()} == {"admin", "staff", "expert", "enterprise", "agency"}
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0 and "拒绝" in again.output
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0


def test_demo_credit_codes_are_valid(runner, app):
    from core.identifiers import credit_code_problem
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        assert all(credit_code_problem(s.credit_code) is None for s in Subject.select())


def test_backup_round_trip(runner, app, tmp_path, make):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    runner.invoke(args=["demo", "load"])
    out = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    restored = sqlite3.connect(out)
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with app.app_context():
        for table in ("subject", "user", "setting"):
            live = db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            assert restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == live
    again = runner.invoke(args=["backup", "--out", str(out)])
    assert again.exit_code != 0
