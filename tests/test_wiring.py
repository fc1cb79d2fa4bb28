"""The house's wiring: one composition root (tracker.app) that the commands ask, commands
that never reach for an adapter or back into cli.py, and a start-up that imports only what
the command runs (issue 20: `tracker version` and a `tracker poll` with nothing due)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).resolve().parent
COMMAND_FILES = [PACKAGE / "cli.py", PACKAGE / "__main__.py", *sorted((PACKAGE / "commands").glob("*.py"))]
HEAVY = ("matplotlib", "trafilatura", "shapely", "pyproj", "numpy", "jinja2", "fastapi", "uvicorn")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_command_files_are_the_ones_of_the_house() -> None:
    names = {p.name for p in COMMAND_FILES}
    assert {"cli.py", "__main__.py", "common.py", "service.py", "feeds.py", "classify.py"} <= names


def test_no_command_imports_an_adapter() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in _imports(path) if m.startswith("tracker.adapters"))
        for path in COMMAND_FILES
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_command_imports_cli_back() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in COMMAND_FILES
        if path.name != "__main__.py" and any(m == "tracker.cli" or m.startswith("tracker.cli.") for m in _imports(path))
    ]
    assert offenders == []


def test_cli_registers_every_command_module_without_a_guard() -> None:
    """Each module of tracker/commands with a `register` is registered by cli.py, and no
    try/except around the registration can drop one silently."""
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Try) and any(
        isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in n.handlers)]
    registering = {
        p.stem for p in (PACKAGE / "commands").glob("*.py")
        if "def register(" in p.read_text(encoding="utf-8")
    }
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                and n.module == "tracker.commands" for a in n.names}
    assert registering and registering <= imported


def test_every_command_is_listed() -> None:
    from typer.testing import CliRunner

    from tracker.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("version", "check-config", "run", "poll", "reclassify", "classify", "eval",
                 "eval-merge", "digest", "export", "feeds", "db", "incidents", "agreements", "users"):
        assert f" {name} " in result.output, name


def _run_python(code: str, *args: str, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_cli_loads_no_heavy_module() -> None:
    out = _run_python(
        "import sys, json, tracker.cli; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[1:] "
        "or m in ('tracker.app', 'tracker.settings', 'tracker.core.gazetteer', 'tracker.core.classifier'))))",
        *HEAVY, "sqlalchemy", "httpx", "pydantic",
    )
    assert json.loads(out) == []


def test_version_answers_before_the_option_machinery() -> None:
    out = _run_python(
        "import sys, json\n"
        "sys.argv = ['tracker', 'version']\n"
        "from tracker.cli import main\n"
        "main()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules}\n"
        "    & {'pydantic', 'sqlalchemy', 'typer', 'click'})))\n"
    )
    version, loaded = out.splitlines()
    assert version == tracker.__version__
    assert json.loads(loaded) == []


POLL_NOTHING_DUE = """
import asyncio, json, sys
from tracker.app import App
from tracker.settings import Settings

async def main():
    settings = Settings(database={"url": "sqlite:///" + sys.argv[1]}, feeds=[],
                        web={"enabled": False})
    app = App(settings)
    app.upgrade_db()
    app.check_writable()
    app.sync_feeds()
    report = await app.tick()
    started = app._pool.started
    await app.aclose()
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[2:]))
    print(json.dumps({"feeds": len(report.feeds), "pool_started": started, "heavy": heavy}))

asyncio.run(main())
"""


def _migrated_sqlite(tmp_path: Path) -> Path:
    from tracker.app import open_engine
    from tracker.settings import Settings

    path = tmp_path / "t.db"
    open_engine(Settings(database={"url": f"sqlite:///{path}"}, feeds=[])).dispose()
    return path


def test_a_poll_with_nothing_due_starts_no_parser_and_loads_no_heavy_module(tmp_path: Path) -> None:
    path = _migrated_sqlite(tmp_path)  # the database is at the head: no migration to run
    out = _run_python(POLL_NOTHING_DUE, str(path), *HEAVY, "httpx", "feedparser", "alembic")
    assert json.loads(out.splitlines()[-1]) == {"feeds": 0, "pool_started": False, "heavy": []}


def test_the_migration_heads_read_without_alembic_are_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tracker.adapters.storage import db

    config = Config()
    config.set_main_option("script_location", str(db.alembic_dir()))
    heads = db.script_heads()
    assert heads is not None
    assert heads == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_a_database_behind_the_head_is_still_migrated(tmp_path: Path) -> None:
    from sqlalchemy import inspect, text

    from tracker.adapters.storage import db

    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        from alembic import command

        command.upgrade(db.alembic_config(engine), "0003")
        db.upgrade(engine)
        with engine.connect() as conn:
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            assert inspect(conn).has_table("events")
    finally:
        engine.dispose()
    assert current == db.script_heads()
