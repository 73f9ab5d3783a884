"""The packages of the platform and which imports which, drawn from the code.

    python docs/import_graph.py            print the graph (Mermaid) and the layer of each package
    python docs/import_graph.py --check    fail unless docs/architecture.md shows this very graph
    python docs/import_graph.py --write    put the graph into docs/architecture.md

Every import counts, those inside functions too (grimp reads them all). The layers are the
import-linter contract of pyproject.toml, which `make lint` also checks; this draws what the
contract keeps, so the architecture page cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph:begin -->", "<!-- import-graph:end -->"
# What each layer of the contract is, top to bottom.
LAYER_NAMES = ("project", "demo", "entry points", "processes", "catalogue", "core data",
               "access", "common")  # fmt: skip


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    contract = next(c for c in contracts if c.get("id") == "layers")
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def edges(packages: list[str]) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*packages, cache_dir=None)
    return [
        (importer, imported)
        for importer in packages
        for imported in packages
        if importer != imported
        and graph.direct_import_exists(importer=importer, imported=imported, as_packages=True)
    ]


def render() -> str:
    stack = layers()
    packages = [name for layer in stack for name in layer]
    lines = ["```mermaid", "flowchart TD"]
    for number, layer in enumerate(stack):
        label = LAYER_NAMES[number] if len(LAYER_NAMES) == len(stack) else " "
        lines.append(f'  subgraph L{number}["{label}"]')
        lines.extend(f"    {name}" for name in layer)
        lines.append("  end")
    lines.extend(f"  {importer} --> {imported}" for importer, imported in edges(packages))
    lines.append("```")
    return "\n".join(lines)


def page_with(graph: str) -> str:
    text = PAGE.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + graph + "\n" + text[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    graph = render()
    if options.write:
        PAGE.write_text(page_with(graph), encoding="utf-8")
    elif options.check:
        if page_with(graph) != PAGE.read_text(encoding="utf-8"):
            print(
                "docs/architecture.md 中的包依赖图与代码不一致：运行 "
                "`python docs/import_graph.py --write` 更新，并检查分层说明。",
                file=sys.stderr,
            )
            return 1
    else:
        print(graph)
    return 0


if __name__ == "__main__":
    sys.exit(main())
