"""Throw-away databases with the demo catalogue, built once and reused while they are valid.

A database is built with `manage.py migrate`, `createcachetable` and `load_demo` (plus what a
script adds, e.g. `update_index`) and marked ready: a file beside it (SQLite) or in the
temporary folder (PostgreSQL) holding the fingerprint of the fixtures and the schema. A ready
database is used as it is while the fingerprint is unchanged; `--rebuild` builds it again. The
developer's db.sqlite3 is never used, and a PostgreSQL database must have "bench" in its name.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench.harness import REPO

DEV_DATABASE = REPO / "db.sqlite3"
SETTINGS_MODULE = "bench.settings"
DEMO_COMMANDS = (["migrate", "--noinput", "-v0"], ["createcachetable"], ["load_demo"])


def fixtures_fingerprint() -> str:
    """A short hash of the fixtures and the schema (migrations, Django and Wagtail versions).

    The loader's code is left out, so a database survives most commits; `--rebuild` reloads.
    """
    from importlib.metadata import version

    paths = sorted(p for p in (REPO / "disclosure" / "fixtures").rglob("*") if p.is_file())
    paths += sorted(REPO.glob("*/migrations/*.py"))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    for package in ("django", "wagtail"):
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:12]


def temporary(name: str) -> Path:
    """A path in the temporary folder (TMPDIR): where every throw-away file of the benches goes."""
    return Path(tempfile.gettempdir()) / name


def bench_env(database: Path | str, *, media: Path | str | None = None) -> dict:
    """The environment of every process of a run on `database` (an SQLite file, or a URL):
    bench/settings.py, a random secret key that every process given this environment shares
    (gunicorn's workers, the script's own Django), a media folder of its own."""
    if isinstance(database, Path):
        url = f"sqlite:///{database}"
        media = media or database.with_name(database.stem + "-media")
    else:
        url = database
        name = urllib.parse.urlsplit(url).path.lstrip("/")
        media = media or temporary(f"disclosure-bench-pg-{name}-media")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": url,
        "BENCH_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_MEDIA_ROOT": str(media),
    }


def setup_django(env: dict | None = None):
    """Set Django up in this process, on `env`'s database (default: the environment's, as in a
    child process); refuses DEBUG=True. Returns the settings."""
    if env is not None:
        for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "BENCH_SECRET_KEY"):
            os.environ[name] = env[name]
        os.environ["DJANGO_MEDIA_ROOT"] = env["DJANGO_MEDIA_ROOT"]
    import django
    from django.conf import settings

    django.setup()
    if settings.DEBUG:
        sys.exit("the benchmark must run with DEBUG=False")
    return settings


def manage(env: dict, *command: str, capture: bool = False) -> tuple[float, str]:
    """Run `manage.py command` in a child process; (seconds it took, its output if captured)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )
    return time.monotonic() - started, result.stdout if capture else ""


# --- SQLite -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqliteDatabase:
    path: Path
    reuse: bool  # ready: used as it is
    wipe: bool  # deleted before it is built (ours, or --rebuild)


def sqlite_database(
    path: Path | None = None, *, kind: str = "", rebuild: bool = False, reuse: bool = False
) -> SqliteDatabase:
    """The SQLite file to use: `path`, or by default disclosure-bench[-kind]-<fingerprint>.db in
    the temporary folder. It is used as it is when it is ready for this fingerprint, or when
    `reuse` is asked for and it exists; `rebuild` builds it again in any case."""
    fingerprint = fixtures_fingerprint()
    ours = path is None
    if ours:
        path = temporary(f"disclosure-bench{'-' if kind else ''}{kind}-{fingerprint}.db")
    path = refuse_dev_database(path.absolute())
    ready = (read_ready(path) or {}).get("fingerprint") == fingerprint
    usable = path.exists() and not rebuild and (ready or reuse)
    # A file named by the caller is only deleted on request; otherwise load_demo (idempotent)
    # runs over it.
    return SqliteDatabase(path, reuse=usable, wipe=rebuild or (ours and not usable))


def refuse_dev_database(path: Path) -> Path:
    if path.resolve() == DEV_DATABASE.resolve():
        sys.exit(f"the benchmarks never use the development database {DEV_DATABASE.name}.")
    return path


def prepare_sqlite(db: SqliteDatabase, env: dict, *, label="database", then=()) -> dict:
    """Build `db` (migrate, createcachetable, load_demo, then the commands in `then`) unless it
    may be used as it is; what its marker says (seconds per command, when it was built)."""
    if db.reuse:
        info = read_ready(db.path) or {}
        print(f"{label}: {db.path} (reused, built {info.get('built', '?')})")
        return {**info, "reused": True}
    if db.wipe:
        wipe_sqlite(db.path)
        shutil.rmtree(env["DJANGO_MEDIA_ROOT"], ignore_errors=True)
    commands = [*DEMO_COMMANDS, *then]
    print(f"{label}: {db.path} — {', '.join(c[0] for c in commands)} (about 70 s or more)…")
    db.path.parent.mkdir(parents=True, exist_ok=True)
    info = build(env, commands)
    mark_ready(db.path, info)
    print(f"  ready in {info['total_s']:.0f} s")
    return {**info, "reused": False}


def build(env: dict, commands) -> dict:
    """Run the manage.py commands in turn; the marker's contents (how long each took)."""
    seconds = {}
    for command in commands:
        seconds[command[0]] = round(manage(env, *command)[0], 1)
    return {
        "fingerprint": fixtures_fingerprint(),
        "built": datetime.datetime.now().isoformat(timespec="seconds"),
        "seconds": seconds,
        "total_s": round(sum(seconds.values()), 1),
    }


def copy_sqlite(source: Path, target: Path) -> float:
    """A consistent copy of `source` (whatever is still in its write-ahead log) at `target`,
    not marked ready; returns the seconds it took."""
    refuse_dev_database(target)
    started = time.monotonic()
    wipe_sqlite(target)
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
    return time.monotonic() - started


def wipe_sqlite(path: Path):
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), _marker(path)):
        stale.unlink(missing_ok=True)


def mark_ready(path: Path, info: dict):
    _marker(path).write_text(json.dumps(info, ensure_ascii=False) + "\n")


def read_ready(path: Path) -> dict | None:
    """What the marker of a ready database says; None when it is not (or not yet) ready."""
    try:
        return json.loads(_marker(path).read_text())
    except (OSError, ValueError):
        return None


def _marker(path: Path) -> Path:
    """Written once the database is complete: a database without it is incomplete."""
    return path.with_name(path.name + ".ready")


# --- PostgreSQL ---------------------------------------------------------------------------


def prepare_postgres(url: str, env: dict, *, rebuild: bool, then=(), template: str = "") -> dict:
    """Create the database at `url` if missing (dropped first with `rebuild`), then build it
    (the demo commands, then those in `then`) unless its marker says it is ready for this
    fingerprint. With `template`, a missing database starts as a copy of that one (which must be
    ready) and only `then` runs."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(
            f"{name!r}: the benchmarks delete and rewrite rows; use a database whose name "
            f"contains 'bench' (e.g. disclosure_bench_feedback)."
        )
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    marker = postgres_marker(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and rebuild:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            exists = None
        if not exists:
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            connection.execute(create)
            _marker(marker).unlink(missing_ok=True)
    info = read_ready(marker)
    if info and info.get("fingerprint") == fixtures_fingerprint():
        print(f"database: {url} (reused, built {info.get('built', '?')})")
        return {**info, "reused": True}
    commands = [*([] if template else DEMO_COMMANDS), *then]
    print(f"database: {url} — {', '.join(c[0] for c in commands) or 'a copy of ' + template}…")
    info = build(env, commands)
    mark_ready(marker, info)
    print(f"  ready in {info['total_s']:.0f} s")
    return {**info, "reused": False}


def postgres_marker(url: str) -> Path:
    """Where a PostgreSQL database's marker lives (.ready is added: no such database file)."""
    return temporary(f"disclosure-bench-pg-{urllib.parse.urlsplit(url).path.lstrip('/')}")
