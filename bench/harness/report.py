"""What a run leaves: text for the terminal, and the JSON report under bench/results/."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import unicodedata
from pathlib import Path

from bench.harness import REPO, RESULTS


def git_commit() -> str:
    """The commit measured (+dirty with uncommitted changes), for the reports."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "?"
    if out.returncode:
        return "?"
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def header() -> dict:
    """The first keys of every report: when, which commit, on what machine."""
    return {
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "load_average_start": os.getloadavg()},
    }


def write_report(report: dict, output: Path | None, default_name: str) -> Path:
    """Write `report` as JSON to `output` (default: bench/results/<default_name>) and say where.

    The machine's load average at the end goes in too: with the one at the start (header()), it
    tells whether others used the machine meanwhile."""
    report.setdefault("machine", {})["load_average_end"] = os.getloadavg()
    path = output or RESULTS / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n")
    print(f"written to {shown(path)}")
    return path


def shown(path: Path) -> Path:
    """A path as the reader wants it: relative to the repository when inside it."""
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def counts(values: dict) -> str:
    """{"200": 4, "429": 2} as 200:4,429:2 (- when empty)."""
    return ",".join(f"{key}:{value}" for key, value in sorted(values.items())) or "-"


def number(value: float | None, digits: int = 2) -> str:
    """A figure with `digits` decimals, ? when it could not be measured."""
    return "?" if value is None else f"{value:.{digits}f}"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def pad(text: str, width: int) -> str:
    """`text` cut or padded to `width` columns, counting a Chinese character as two."""
    out, used = "", 0
    for char in text:
        size = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + size > width - 1:
            break
        out, used = out + char, used + size
    return out + " " * (width - used)
