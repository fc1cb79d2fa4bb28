"""Engine creation and schema migration. One engine per App; nothing at module level."""

from __future__ import annotations

import ast
import contextlib
import functools
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:  # alembic is imported when a migration is checked, not before
    from alembic.config import Config

# What a lost or refused database connection raises through SQLAlchemy.
CONNECTION_ERRORS: tuple[type[Exception], ...] = (sa_exc.DBAPIError, sa_exc.TimeoutError)


def is_connection_error(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached (refused, dropped, pool timeout),
    as opposed to a bad query or a constraint: those are bugs and keep their traceback."""
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(
            exc, (sa_exc.OperationalError, sa_exc.InterfaceError)
        )
    return False


class DatabaseUnusable(Exception):
    """The database cannot be used at all (read-only, or a path that cannot hold a file).
    Its message is one line naming the database (no credentials), for the command line."""


def create_db_engine(url: str, echo: bool = False) -> Engine:
    """SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL uses psycopg 3."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        database = parsed.database
        if database and database != ":memory:":
            _make_parent(sqlite_path(database))
    else:
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(dbapi_conn: Any, _record: Any) -> None:
    """No JIT compilation: this application's statements are short, and a cost estimate
    made before the tables have statistics (a cold pass) had the merge candidate query
    compile for 0.18 s to run for 0.3 s."""
    with dbapi_conn.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_conn.commit()


# Tables whose statistics the merge step's candidate queries depend on.
_PLANNED_TABLES = ("items", "incidents", "incident_tokens", "merge_traces", "events")


def refresh_statistics(conn: Any, tables: Sequence[str] = _PLANNED_TABLES) -> list[str]:
    """ANALYZE those of ``tables`` (PostgreSQL) changed by more rows than they held when last
    analysed (plus 1,000): a cold pass fills them from nothing within minutes, faster than
    autovacuum's analyse (a minute apart at best, and off on some servers), and with no
    statistics the planner took the tables for empty and hashed whole ones for each batch
    of merge candidates. Growth by doubling keeps the ANALYZEs to a few per table. Returns
    the tables analysed."""
    found = conn.execute(
        text(
            # The counter itself, not pg_stat_user_tables (a view over every table).
            "SELECT relname FROM pg_class WHERE oid IN (SELECT to_regclass(t)"
            " FROM unnest(CAST(:tables AS text[])) AS t)"
            " AND pg_stat_get_mod_since_analyze(oid) > 1000 + GREATEST(reltuples, 0)"
        ),
        {"tables": list(tables)},
    )
    stale = sorted(str(name) for (name,) in found)
    for name in stale:
        conn.execute(text(f'ANALYZE "{name}"'))
    return stale


def relax_commit(conn: Any) -> None:
    """Let this transaction's COMMIT return before its WAL reaches the disk (PostgreSQL
    ``SET LOCAL synchronous_commit = off``; nothing on SQLite). For the ingest writes only
    (items stored, feeds' fetch state, classifications with their events and outbox rows):
    a cold pass made ~1,200 such commits, each waiting ~7 ms for an fsync on a loaded
    machine. What it risks is only a crash of the server or its machine (not of this
    process) in the last ~0.6 s (3 x wal_writer_delay): those commits are lost, never
    half-applied and never out of order (WAL is one sequence, and any later synchronous
    commit flushes them too). Nothing is lost for good: items not stored are fetched
    again (the feed's validators are written after its items, so they are lost with
    them), and items not classified are classified again by the catch-up."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def sqlite_path(database: str) -> Path:
    """The file of an SQLite database name, also when given as a URI (`file:PATH?mode=ro`,
    with `uri=true`)."""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database).expanduser()


def _make_parent(path: Path) -> None:
    """Create the database file's folder; one that cannot be (a file in the way, no
    permission) is a one-line DatabaseUnusable, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise DatabaseUnusable(
            f"database path is not usable: {path} (a file is in the way of its folder)"
        ) from None
    except PermissionError:
        raise DatabaseUnusable(
            f"database path is not usable: {path} (no permission to create its folder)"
        ) from None


def describe(url: URL | str) -> str:
    """The database as shown to people: an SQLite file's path, else the URL without its
    password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return str(sqlite_path(parsed.database))
    return parsed.render_as_string(hide_password=True)


def unusable_reason(exc: BaseException, url: URL | str) -> str | None:
    """One line for an error that means the database cannot be written or opened at all
    (a read-only file, a read-only PostgreSQL transaction or standby, a file SQLite cannot
    open), else None: other errors keep their traceback."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DatabaseUnusable):
            return str(seen)
        text = str(seen).lower()
        code = getattr(seen, "sqlstate", None)
        if "readonly database" in text or code == "25006" or "read-only transaction" in text:
            return f"database is read-only: {describe(url)}"
        if "unable to open database file" in text:
            # a WAL file in a folder we may not write cannot get its -shm file opened
            if _sqlite_not_writable(url):
                return f"database is read-only: {describe(url)}"
            return f"database cannot be opened: {describe(url)}"
        seen = seen.__cause__ or seen.__context__
    return None


def _sqlite_not_writable(url: URL | str) -> bool:
    """An existing SQLite file, or its folder, that this process may not write."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    path = sqlite_path(parsed.database)
    if "mode=ro" in str(parsed) or parsed.query.get("mode") == "ro":
        return path.exists()
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def check_writable(engine: Engine) -> None:
    """Fail at start-up, not at the first tick, on a database that cannot be written: a
    no-op update of the migration row inside a transaction that is rolled back (SQLite
    refuses the write lock on a read-only file; PostgreSQL refuses it in a read-only
    transaction or on a standby). Nothing is changed either way."""
    try:
        with engine.connect() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            conn.rollback()
    except sa_exc.DBAPIError as exc:
        reason = unusable_reason(exc, engine.url)
        if reason is not None:
            raise DatabaseUnusable(reason) from None
        raise


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def alembic_dir() -> Path:
    """The migrations folder: top-level `alembic/` in a checkout, `tracker/_alembic` in a wheel."""
    here = Path(__file__).resolve()
    packaged = here.parents[2] / "_alembic"
    if packaged.is_dir():
        return packaged
    return here.parents[3] / "alembic"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(alembic_dir()))
    cfg.attributes["engine"] = engine
    return cfg


# Any fixed 64-bit number, the same in every instance: pg_advisory_lock(MIGRATION_LOCK_KEY).
MIGRATION_LOCK_KEY = 0x7472_6163_6B65_72  # "tracker"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations, one process at a time: two instances started together on a new
    database would otherwise both create `alembic_version` (and the tables) and one would
    fail. The second waits for the first and then finds nothing left to do.

    A database already at the head is left alone without loading Alembic (a good part of
    a quick command's start-up); anything else goes through Alembic as always."""
    if revision == "head" and _at_head(engine):
        return
    from alembic import command

    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


@functools.lru_cache(maxsize=1)
def script_heads() -> frozenset[str] | None:
    """The head revisions of the migrations folder, read from each file's `revision` and
    `down_revision` lines (no Alembic import); None when a file does not state them plainly
    (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((alembic_dir() / "versions").glob("*.py")):
        source = path.read_text("utf-8")
        found = {m.group(1): m.group(2) for m in _REVISION_LINE.finditer(source)}
        try:
            rev = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(rev, str):
            return None
        revisions.add(rev)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
        elif down is not None:
            return None
    heads = frozenset(revisions - parents)
    return heads or None


def _at_head(engine: Engine) -> bool:
    """True when the database's migration row names exactly the migrations' heads."""
    heads = script_heads()
    if heads is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current == heads


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """A PostgreSQL session advisory lock held on a connection of its own (Alembic runs on
    another one); on SQLite an exclusive file lock next to the database file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    path = sqlite_path(database)  # "file:...?mode=ro" URIs name their file too
    lock_path = path.with_name(path.name + ".migrate.lock")
    try:
        fh = lock_path.open("a")
    except OSError:
        # A folder we cannot write: no second process can migrate this database either, and
        # the upgrade itself then fails with the read-only error the commands report.
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upsert_insert(engine: Engine, table: Any) -> Any:
    """The dialect's INSERT (with ON CONFLICT and RETURNING) for `table`. The dialect module
    is imported on first use: PostgreSQL's (with its asyncpg and range types) is a
    noticeable part of a quick command's start-up on SQLite, which never needs it."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
