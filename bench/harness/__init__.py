"""What the benchmark scripts share: one copy of each piece.

  database  throw-away databases (SQLite under the temporary folder, or a PostgreSQL database
            whose name contains "bench"), built with migrate, createcachetable and load_demo and
            reused while the fixtures and migrations are unchanged; copies; child processes that
            each work on one database (Django binds one database per process)
  server    gunicorn on loopback (started, checked, always stopped) and its CPU time
  load      closed-loop load generators: wrk, the built-in asyncio client, threads of http.client
  rounds    interleaved rounds against the plain 1 KB view, the ratios to it, their table
  url_bench the whole run for a set of URLs (bench.pages and bench.api_reads are this run)
  stats     medians and percentiles
  sql       SQL statements counted by verb and table
  report    the tables printed, the JSON written to bench/results/, the commit measured
  runner    signals and exit status; the command-line options the scripts have in common
  powers    plausible new powers made from the real catalogue (bench.search_engine and
            bench.spreadsheet_import)

Nothing here imports Django at module level: the scripts' parent processes never set it up.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
BENCH = REPO / "bench"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"
PLAIN = "plain"
# The ceiling every throughput is compared with (bench/urls.py): Django's whole middleware
# stack, never cached, 1 KB.
PLAIN_PATH = "/_util/bench/plain/"
