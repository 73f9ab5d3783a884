"""The search's built-in knowledge of how citizens ask, read from the text files beside this
module (reviewable by anyone, one line per entry):

- abbreviations.txt: groups of words that mean the same (房产证、不动产权证书), merged with the
  administrators' synonyms (search.models.Synonym);
- intents.txt: citizens' phrases and the catalogue's words for them (养条狗 => 犬类准养证), merged
  with the administrators' intents (search.models.Intent);
- actions.txt: words that say what is to be done (丢了 => 补领、挂失), which only add to the score;
- departments.txt: everyday names of departments (卫健委 => 卫生健康) and what their titles contain.

Pure functions of text: nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
SEPARATORS = re.compile(r"[、，,;；\s]+")


@dataclass(frozen=True)
class Rule:
    """Citizens' phrases (left) and the catalogue's words for them (right)."""

    phrases: tuple[str, ...]
    words: tuple[str, ...]


def split_terms(text: str) -> list[str]:
    return [term for term in SEPARATORS.split(text.strip()) if term]


def parse_rules(text: str) -> list[Rule]:
    """Lines of `phrases => words`; blank lines and # comments are skipped."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        phrases, words = split_terms(left), split_terms(right)
        if phrases and words:
            rules.append(Rule(tuple(phrases), tuple(words)))
    return rules


def parse_groups(text: str) -> list[list[str]]:
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            terms = split_terms(line)
            if len(terms) > 1:
                groups.append(terms)
    return groups


def _read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


@cache
def abbreviations() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(group) for group in parse_groups(_read("abbreviations.txt")))


@cache
def intents() -> tuple[Rule, ...]:
    return tuple(parse_rules(_read("intents.txt")))


@cache
def actions() -> tuple[Rule, ...]:
    return tuple(parse_rules(_read("actions.txt")))


@cache
def department_names() -> tuple[Rule, ...]:
    return tuple(parse_rules(_read("departments.txt")))


@cache
def fingerprint() -> str:
    """Changes whenever a file here changes: part of the shared cache's keys, so that a process
    started with a new lexicon never reads what one with the old lexicon cached."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(HERE.glob("*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
