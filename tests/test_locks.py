"""core.database.exclusive: one holder of a named lock across workers and app servers (an advisory lock on
PostgreSQL, an flock on SQLite). Each holder here is a thread with its own connection, as another worker would be."""
import threading

import pytest

from core import database
from models import Setting, db


def hold(app, name, lock_dir, held, release, **kwargs):
    """Take the lock in a thread of its own (its own connection) and keep it until `release` is set."""
    def run():
        with app.app_context(), db.connection_context(), database.exclusive(name, lock_dir=lock_dir, **kwargs):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(30)
    return thread


def test_a_second_holder_is_refused_while_the_first_holds_it(app, tmp_path):
    held, release = threading.Event(), threading.Event()
    thread = hold(app, "build-2026", str(tmp_path), held, release)
    try:
        with app.app_context(), db.connection_context():
            with pytest.raises(database.Busy):
                with database.exclusive("build-2026", lock_dir=str(tmp_path)):
                    pass
            with database.exclusive("build-2027", lock_dir=str(tmp_path)):  # another name is another lock
                pass
    finally:
        release.set()
        thread.join()
    with app.app_context(), db.connection_context():
        with database.exclusive("build-2026", lock_dir=str(tmp_path)):  # released with its holder
            pass


def test_a_waiting_holder_gets_the_lock_once_the_first_lets_go(app, tmp_path):
    held, release = threading.Event(), threading.Event()
    order = []
    thread = hold(app, "sign-2026", str(tmp_path), held, release)

    def second():
        with app.app_context(), db.connection_context(), database.exclusive("sign-2026", lock_dir=str(tmp_path),
                                                                            wait=True):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.3)
    order.append("first lets go")
    release.set()
    thread.join()
    waiter.join(30)
    assert order == ["first lets go", "second"]


def test_the_sqlite_lock_is_a_file_under_lock_dir(app, tmp_path):
    if database.is_postgres():
        pytest.skip("the file lock is SQLite's")
    with app.app_context(), db.connection_context(), database.exclusive("build-2026", lock_dir=str(tmp_path)):
        assert (tmp_path / ".build-2026.lock").exists()


def test_on_postgresql_the_block_is_one_transaction_rolled_back_with_an_error(app, tmp_path):
    if not database.is_postgres():
        pytest.skip("PostgreSQL only: on SQLite the block's own transactions commit as they go")
    with app.app_context(), db.connection_context():
        with pytest.raises(RuntimeError):
            with database.exclusive("build-2026", lock_dir=str(tmp_path)):
                Setting.create(key="lock-test", value='"x"')
                raise RuntimeError("killed")
        assert not Setting.select().where(Setting.key == "lock-test").exists()


def test_lock_keys_are_stable_signed_64_bit_numbers():
    assert database.lock_key("build-2026") == database.lock_key("build-2026")
    assert database.lock_key("build-2026") != database.lock_key("build-2027")
    assert -2 ** 63 <= database.lock_key("recommend-sign-2026") < 2 ** 63
