"""Command-line interface: flask --app app db|user|demo|backup ..."""
import os
import sqlite3

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from core import audit, database
from core.accounts import create_user, password_problem, unlock
from models import Role, User, db

db_cli = AppGroup("db", help="数据库结构（迁移）")
user_cli = AppGroup("user", help="用户账号")
demo_cli = AppGroup("demo", help="演示数据")
pool_cli = AppGroup("pool", help="培育库导入导出")
filing_cli = AppGroup("filing", help="8月31日备案材料（第十四条）")
recommend_cli = AppGroup("recommend", help="省级推荐材料（第十四条）")
package_cli = AppGroup("package", help="报送材料包（ZIP）的校验")
audit_cli = AppGroup("audit", help="审计日志")
engagements_cli = AppGroup("engagements", help="第三方机构对接邀请")


@db_cli.command("upgrade")
def db_upgrade():
    """Bring the database to the current schema."""
    with db.connection_context():
        applied = database.upgrade()
    click.echo(f"已应用迁移: {', '.join(applied)}" if applied else "数据库结构已是最新")


@db_cli.command("create")
@click.argument("name")
def db_create(name):
    """(Developers) write a new migration from the difference between models.py and the migrations."""
    import models
    with db.connection_context():
        path = database.router().create(name, auto=models)
    click.echo(f"已生成迁移: {path} —— 提交前请人工检查（见 README）")


@db_cli.command("rollback")
def db_rollback():
    """Undo the newest migration."""
    with db.connection_context():
        database.router().rollback()
    click.echo("已回滚最近一次迁移")


@user_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--username", required=True)
@click.option("--name", "display_name", default=None, help="姓名/名称")
@click.option("--password", default=None, help="省略则生成随机密码，首次登录须修改")
def user_create(role, username, display_name, password):
    """Create an account."""
    if password is not None and password_problem(password, username):
        raise click.ClickException(password_problem(password, username))
    with db.connection_context():
        if User.select().where(User.username == username).exists():
            raise click.ClickException(f"用户名 {username} 已存在")
        with db.atomic():
            user, clear = create_user(username, role, display_name, password)
    click.echo(f"已创建 {Role.label_of(role)} {user.username}" + ("" if password else f"，初始密码: {clear}"))


@user_cli.command("unlock")
@click.argument("username")
def user_unlock(username):
    """Lift an account's login lockouts from every address (recorded with the operating-system user)."""
    with db.connection_context():
        user = User.get_or_none(User.username == username)
        if user is None:
            raise click.ClickException(f"用户名 {username} 不存在")
        locked = unlock(user)
    click.echo(f"已解除 {username} 的登录锁定（{locked} 个来源地址）" if locked else f"{username} 当前没有被锁定")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="数据库非空时跳过而不报错（make run 使用）")
def demo_load(if_empty):
    """Fill an empty database with the fictional demo city."""
    import demo
    with db.connection_context():
        if not database.is_empty():
            if if_empty:
                click.echo("数据库已有数据，跳过演示数据。\n" + demo.demo_logins_text())
                return
            raise click.ClickException("数据库已有数据，拒绝载入演示数据（演示数据只能载入空数据库）")
        summary = demo.load()
    click.echo(summary)


@pool_cli.command("export")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
def pool_export(out_path):
    """Write the whole pool as .xlsx (the same columns as the web export and the import template)."""
    from blueprints.pool import writers
    from blueprints.pool.queries import filters_from, pool_query
    with db.connection_context():
        data = writers.build_pool_xlsx(pool_query(filters_from({})))
        audit.record("pool.export", object_type="pool", details={"out": os.path.abspath(out_path)})
    with open(out_path, "wb") as fh:
        fh.write(data)
    click.echo(f"已导出到 {out_path}")


@pool_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def pool_import(path):
    """Import a filled template: all or nothing; exits non-zero with the error list when it refuses. New subjects
    become registrations waiting for the admission checks, as from the web page."""
    from blueprints.pool import spreadsheet
    with db.connection_context():
        with open(path, "rb") as fh:
            plan = spreadsheet.plan_import(fh)
        if not plan.ok:
            for error in plan.file_errors:
                click.echo(error, err=True)
            for row in plan.error_rows:
                click.echo(f"第 {row.number} 行：{'；'.join(row.errors)}", err=True)
            raise click.ClickException("导入文件有错误，未写入任何数据")
        created, updated = spreadsheet.apply_import(plan, None)
    click.echo(f"导入完成：新增 {created}，更新 {updated}，未变化 {plan.count('unchanged')}")
    if plan.not_pooled:
        click.echo(f"其中 {len(plan.not_pooled)} 个对象不在培育库中：为待审核的意向登记（来源：批量导入），"
                   "须完成第六至八条入库条件和第十五条否决项核查后，由经办人在网页上纳入培育库")


@filing_cli.command("build")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--date", "filing_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="备案日期（只能是今天：备案材料按生成当天的数据编制；默认今天）")
def filing_build(year, out_path, filing_date):
    """Build the year's bundle (recorded as a Filing, as from the web page) and copy it to --out."""
    import shutil

    from blueprints.filing import operations as filing
    from models import local_now
    from rules import Refused
    with db.connection_context():
        try:
            record = filing.build(year, filing_date=(filing_date.date() if filing_date else local_now().date()),
                                  by=None)
        except Refused as error:
            raise click.ClickException(str(error))
        shutil.copyfile(filing.filing_path(record), out_path)
    click.echo(f"已生成 {out_path}（SHA-256 {record.sha256}）")


@recommend_cli.command("build")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--draft", is_flag=True, help="允许导出尚未签发的草稿")
def recommend_build(year, out_path, draft):
    """Write the year's recommendation package (the newest version; an unsigned one only with --draft)."""
    from blueprints.recommend.operations import package_bytes
    from models import RecommendationRound
    with db.connection_context():
        round_ = RecommendationRound.latest_for(year)
        if round_ is None:
            raise click.ClickException(f"{year} 年尚未开始推荐")
        if not round_.locked and not draft:
            raise click.ClickException("本轮推荐尚未签发；如需导出草稿，请加 --draft")
        data = package_bytes(round_)  # a signed round: the bytes its sign-off built (issue 17)
    with open(out_path, "wb") as fh:
        fh.write(data)
    click.echo(f"已导出 {out_path}（第 {round_.version} 版{'，草稿' if not round_.locked else ''}）")


@package_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def package_verify(path):
    """Check a package as its receiver would: manifest and hashes, data.json against its schema, and that the sheets,
    data.json and the letter agree. Needs nothing but the ZIP (and this repository)."""
    from core import datapackage
    with open(path, "rb") as fh:
        problems = datapackage.verify_package(fh.read())
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    if problems:
        raise click.ClickException(f"校验未通过：{path} 有 {len(problems)} 处问题")
    click.echo(f"校验通过：{path}")


@audit_cli.command("verify")
def audit_verify():
    """Walk the audit trail's hash chain; report the first broken link."""
    with db.connection_context():
        broken = audit.verify_chain()
        total = audit.AuditEvent.select().count()
    if broken:
        event_id, what = broken
        raise click.ClickException(f"审计链在第 {event_id} 条记录（id={event_id}）处断开：{what}")
    click.echo(f"审计链完整（共 {total} 条记录）")


@engagements_cli.command("expire")
def engagements_expire():
    """Expire the invitations left unanswered after their reply-by day (run daily from cron)."""
    from blueprints.agencies.operations import expire_overdue
    from models import local_now
    with db.connection_context():
        expired = expire_overdue(local_now().date())
    click.echo(f"已过期 {expired} 项逾期未答复的对接邀请" if expired else "没有逾期未答复的对接邀请")


def _live_sqlite_path():
    url = current_app.config["DATABASE_URL"]
    if url and not url.startswith("sqlite"):
        raise click.ClickException("PostgreSQL 请使用 pg_dump / pg_restore")
    return url[len("sqlite:///"):] if url else database.sqlite_path(current_app)


def _copy_sqlite(source_path, target_path):
    """SQLite's online backup in one step: a consistent snapshot even while other connections write (a stepwise
    copy restarts whenever another connection writes, and under steady writes would never finish)."""
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        with target:
            source.backup(target, pages=-1)
    finally:
        target.close()
        source.close()


@click.command("backup")
@with_appcontext
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
def backup(out_path):
    """Write a consistent copy of the SQLite database while the site runs."""
    source_path = _live_sqlite_path()
    if os.path.exists(out_path):
        raise click.ClickException(f"{out_path} 已存在，请换一个文件名")
    tmp_path = out_path + ".part"
    _copy_sqlite(source_path, tmp_path)
    os.replace(tmp_path, out_path)
    with db.connection_context():
        audit.record("backup.create", object_type="database", details={"out": os.path.abspath(out_path)})
    click.echo(f"备份已写入 {out_path}")


@click.command("restore")
@with_appcontext
@click.option("--from", "backup_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="确认用备份覆盖当前数据库")
def restore(backup_path, yes):
    """Replace the database with a backup (checked first), then bring it to the current schema."""
    live_path = _live_sqlite_path()
    check = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        has_history = check.execute("SELECT 1 FROM sqlite_master WHERE name = 'migratehistory'").fetchone()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{backup_path} 不是可用的 SQLite 备份：{error}")
    finally:
        check.close()
    if result != "ok" or not has_history:
        raise click.ClickException(f"{backup_path} 不是完整的 GreenLadder 备份（integrity_check: {result}）")
    if not yes:
        raise click.ClickException("恢复将覆盖当前数据库中备份之后的所有修改；确认请加 --yes")
    _copy_sqlite(backup_path, live_path)
    with db.connection_context():
        applied = database.upgrade()
        audit.record("backup.restore", object_type="database",
                     details={"from": os.path.abspath(backup_path), "migrations_applied": applied})
    click.echo(f"已从 {backup_path} 恢复" + (f"，并升级结构（{len(applied)} 个迁移）" if applied else ""))


def init_app(app):
    for command in (db_cli, user_cli, demo_cli, pool_cli, filing_cli, recommend_cli, package_cli, audit_cli,
                    engagements_cli, backup, restore):
        app.cli.add_command(command)
