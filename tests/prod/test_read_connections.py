"""The reads connections of training/reads.py: each thread keeps one from request to request,
and none is lost to the pool (threads that end, more threads than the pool holds, recycling,
a lost connection, a forked worker)."""
import os
import threading

from training import reads
from training.config import READS_BIND
from training.extensions import db

ONE = reads.Read(db.select(db.literal(1)))


def _pool(app):
    with app.app_context():
        return db.engines[READS_BIND].pool


def _in_thread(app, work):
    """Run work() in a new thread within an app context of app; return what it returned."""
    result = {}

    def run():
        with app.app_context():
            result["value"] = work()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result["value"]


def test_a_thread_keeps_its_connection_between_requests(app):
    with app.app_context():
        first = reads.connection()
        assert ONE.first(first) == (1,)
    with app.app_context():
        assert reads.connection() is first
    assert _pool(app).checkedout() == 1


def test_a_thread_that_ended_gives_its_connection_back(app):
    pool = _pool(app)
    for _ in range(3 * pool.size()):
        assert _in_thread(app, lambda: ONE.first(reads.connection())) == (1,)
        # The connection of the thread that ended goes back when the next one takes its own.
        assert pool.checkedout() <= 1


def test_threads_beyond_the_pool_borrow_a_connection_for_one_request(app):
    pool = _pool(app)
    with app.app_context():
        reads.connection()
        app.extensions["reads_connections"].limit = 1
    borrowed = {}

    def borrow():
        borrowed["connection"] = reads.connection()
        return pool.checkedout()

    assert _in_thread(app, borrow) == 2
    assert borrowed["connection"] is not app.extensions["reads_connections"].kept()
    assert pool.checkedout() == 1  # given back at the end of its app context


def test_an_old_connection_is_replaced(app):
    with app.app_context():
        first = reads.connection()
        app.extensions["reads_connections"].recycle = 0
    with app.app_context():
        second = reads.connection()
        assert second is not first and ONE.first(second) == (1,)
    assert _pool(app).checkedout() == 1


def test_a_lost_connection_is_replaced_and_the_read_made_again(app):
    with app.app_context():
        connection = reads.connection()
        ONE.first(connection)
        connection.dbapi.dbapi_connection.close()  # as a restarted database server would
        assert ONE.first(connection) == (1,)
    assert _pool(app).checkedout() == 1


def test_a_forked_worker_opens_its_own_connection(app):
    with app.app_context():
        parent = reads.connection()
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 only if it read on a connection of its own
        try:
            with app.app_context():
                child = reads.connection()
                ok = child is not parent and ONE.first(child) == (1,)
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with app.app_context():
        assert reads.connection() is parent and ONE.first(parent) == (1,)


def test_disposing_the_engines_gives_every_kept_connection_back(app):
    from training.dbutil import dispose_engines

    with app.app_context():
        reads.connection()
        _in_thread(app, reads.connection)
        dispose_engines(db)
        assert app.extensions["reads_connections"].connections == {}


def test_every_read_is_short_enough_for_psycopg_to_remember_its_conversion():
    """psycopg converts the placeholders of a statement longer than its cache limit again on
    every execution: each Read must stay under it on PostgreSQL."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects import postgresql

    import training.auth.signed_in  # noqa: F401  (the modules that define Reads)
    import training.services.progress  # noqa: F401

    assert len(reads.Read.every) >= 3
    for read in reads.Read.every:
        sql = read._compile(postgresql.dialect()).sql
        assert len(sql.encode()) <= MAX_CACHED_STATEMENT_LENGTH, sql[:200]


def test_rows_come_back_with_the_types_the_orm_gives(app, factory):
    """Each column's result processing (on SQLite: dates, booleans, enums) is applied, NULLs
    are left alone: the signed-in snapshot equals the ORM's User, field by field."""
    from training.auth.signed_in import _BY_ID, FIELDS, SignedInUser
    from training.models import User

    user = factory.user("trainer", must_change_password=True)
    with app.test_request_context():
        snapshot = SignedInUser(_BY_ID.first(reads.connection(), user_id=user.id))
        record = db.session.get(User, user.id)
        for name in FIELDS:
            ours, theirs = getattr(snapshot, name), getattr(record, name)
            assert (ours, type(ours)) == (theirs, type(theirs)), name
        assert snapshot.must_change_password is True and snapshot.privacy_consent_at is None
