"""How a benchmark runs: as `python -m bench.<name>` from the repository root, stopped cleanly
by a signal, its main()'s return value the exit status; phases that need a database of their
own run in child processes of the same module; the options the scripts have in common."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import REPO


def run(main_function, *args, **kwargs):
    """Run a benchmark's main(): TERM, HUP and INT stop it cleanly (the servers it started are
    stopped on the way out), and its return value is the exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    # Even when started in the background (which ignores SIGINT), Ctrl-C / kill -INT stops it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main_function(*args, **kwargs))
    except KeyboardInterrupt:
        sys.exit(130)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: gunicorn is stopped


# --- Phases in child processes ------------------------------------------------------------


def run_phase(module: str, phase: str, env: dict, **options) -> dict:
    """Run `python -m module --phase phase --option value …` in a fresh process with `env`
    (Django binds one database per process); returns what the phase returned."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = Path(handle.name)
    command = [sys.executable, "-m", module, "--phase", phase, "--phase-output", str(output)]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    try:
        subprocess.run(command, cwd=REPO, env=env, check=True)
        return json.loads(output.read_text())
    finally:
        output.unlink(missing_ok=True)


def add_phase_options(parser: argparse.ArgumentParser, phases: dict):
    """The options run_phase passes: hidden, they are not for people."""
    parser.add_argument("--phase", choices=list(phases), help=argparse.SUPPRESS)
    parser.add_argument("--phase-output", type=Path, help=argparse.SUPPRESS)


def run_child_phase(args: argparse.Namespace, phases: dict) -> int:
    """In a child process: set Django up on the environment's database, run the phase, and
    leave what it returned where the parent reads it."""
    from bench.harness.database import setup_django

    setup_django()
    result = phases[args.phase](args)
    args.phase_output.write_text(json.dumps(result, ensure_ascii=False, default=str))
    return 0


# --- Options ------------------------------------------------------------------------------


def parser_for(doc: str) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of the script's docstring."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    prog = f"python -m {spec.name}" if spec else None
    return argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])


def add_database_options(
    parser,
    *,
    db_help="SQLite file to use (default: one under /tmp)",
    rebuild_help="delete and rebuild the database",
):
    parser.add_argument("--db", type=Path, help=db_help)
    parser.add_argument("--reuse", action="store_true", help="use --db as it is if it exists")
    parser.add_argument("--rebuild", action="store_true", help=rebuild_help)


def add_server_options(parser):
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")


def add_output_option(parser, default_name: str):
    parser.add_argument(
        "--output", type=Path, help=f"JSON report (default: bench/results/{default_name})"
    )
