"""Benchmarks: scripts that print their figures beside a baseline (they are not tests).

Each runs from the repository root as `python -m bench.<name>` (`--help` lists its options):
  pages                 the public pages, as a ratio of a plain 1 KB Django view
  api_reads             the JSON API's reads, likewise
  search_engine         the hall's search: quality and speed, beside stock Wagtail's backend
  feedback_submissions  citizens' submissions through the real form: rate, none lost
  spreadsheet_import    import_powers on a 10,000-row spreadsheet, beside stock Wagtail
What they share (databases, gunicorn, load generators, rounds, statistics, reports) is in
bench/harness/.
"""
