"""Print the test coverage of each app (statements and branches), from the data that
`coverage run` wrote: `make test` runs it after the SQLite suite.

    python tests/coverage_by_app.py
"""

import json
import subprocess
import sys
from collections import defaultdict


def main() -> int:
    report = json.loads(
        subprocess.run(
            [sys.executable, "-m", "coverage", "json", "-q", "-o", "-"],
            check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    totals = defaultdict(lambda: [0, 0, 0, 0])  # statements, covered, branches, covered branches
    for path, data in report["files"].items():
        app = path.split("/", 1)[0]
        summary = data["summary"]
        counts = totals[app]
        counts[0] += summary["num_statements"]
        counts[1] += summary["covered_lines"]
        counts[2] += summary.get("num_branches", 0)
        counts[3] += summary.get("covered_branches", 0)
    print(f"{'app':<14}{'statements':>12}{'branches':>10}{'cover':>8}")
    for app, (statements, covered, branches, taken) in sorted(totals.items()):
        percent = 100 * (covered + taken) / max(1, statements + branches)
        print(f"{app:<14}{statements:>12}{branches:>10}{percent:>7.1f}%")
    print(f"{'total':<14}{'':>12}{'':>10}{report['totals']['percent_covered']:>7.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
