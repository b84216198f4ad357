"""Fixtures: one app and one fresh database per test (a temp-file SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), a client, a CLI runner and factories."""
import os

import pytest

from app import create_app
from core import database, settings
from models import Role, db

from .helpers import Factory


def pytest_configure(config):
    """Under pytest-xdist (`-n 2`) each worker gets a PostgreSQL database of its own, made from the one
    TEST_DATABASE_URL names, so two workers never drop each other's schema."""
    base_url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not base_url or not worker:
        return
    import psycopg2
    from psycopg2 import sql

    base, _, name = base_url.rpartition("/")
    worker_name = f"{name}_{worker}"
    connection = psycopg2.connect(base_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (worker_name,))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(worker_name)))
    connection.close()
    os.environ["TEST_DATABASE_URL"] = f"{base}/{worker_name}"


def _reset_postgres_schema():
    db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    db.execute_sql("CREATE SCHEMA public")


@pytest.fixture
def app(tmp_path, request):
    """A fresh app and database; `@pytest.mark.app_config(KEY=value)` overrides configuration."""
    pg_url = os.environ.get("TEST_DATABASE_URL")
    marker = request.node.get_closest_marker("app_config")
    app = create_app({
        "ENV_NAME": "testing",
        "DATABASE_URL": pg_url or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "FILING_DIR": str(tmp_path / "filings"),
        "IMPORT_DIR": str(tmp_path / "imports"),
        "WTF_CSRF_ENABLED": False,
        **(marker.kwargs if marker else {}),
    })
    with app.app_context():
        with db.connection_context():
            if pg_url:
                _reset_postgres_schema()
            database.upgrade()
    yield app
    if not db.is_closed():
        db.close()
    db.close_all()  # the pool's idle connections: the next test has a database of its own


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Factories: make.subject(**overrides), make.user(role, **overrides).

    No app context is held open here: requests would share it, and with it flask.g. Builders that store files push
    the app's context for as long as they run.
    """
    return Factory(app)


@pytest.fixture
def login(client):
    """login(user) logs the test client in as that user (password from the factory)."""
    from .helpers import PASSWORD

    def _login(user, password=PASSWORD):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return _login


@pytest.fixture
def db_conn(app):
    """An open database connection for the whole test, in place of `with db.connection_context():` blocks.
    Tests that also make requests may take it too: the test client runs the request in the test's thread, so the
    request reuses this connection (`before_request` connects with reuse_if_open) and its teardown closes it when
    no transaction is open; peewee reconnects on the test's next query (autoconnect), so a request in the middle of
    a test needs no block either. The factory's builders use the open connection; a nested `connection_context()`
    or an app context closes it on leaving, and the next query reconnects the same way. Tests where connection
    handling is the point (threads, worker processes, crash, schema, audit chain) keep their explicit blocks."""
    db.connect(reuse_if_open=True)
    yield db
    if not db.is_closed() and not db.in_transaction():
        db.close()


@pytest.fixture
def staff(request, make):
    """A staff user. `@pytest.mark.staff(login=True, **overrides)` (or a module's `pytestmark`) logs the test
    client in as them and passes the overrides (username, display_name, ...) to the factory."""
    marker = request.node.get_closest_marker("staff")
    options = dict(marker.kwargs) if marker else {}
    log_in = options.pop("login", False)
    user = make.user(Role.STAFF, **options)
    if log_in:
        request.getfixturevalue("login")(user)
    return user


BUREAU_SETTINGS = {"city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局", "bureau_contact": "王晓明",
                   "bureau_phone": "0451-88880000"}


@pytest.fixture
def bureau(app):
    """The city and bureau settings that documents (opinions, letters, sheets) print."""
    with app.app_context(), db.connection_context():
        settings.save(BUREAU_SETTINGS)
    return BUREAU_SETTINGS


@pytest.fixture
def districts(app):
    """Two districts configured (imports and filters check a district against them)."""
    with app.app_context(), db.connection_context():
        settings.save({"districts": ["松源区", "临江区"]})
