"""Reading a department's power list (XLSX or CSV) into ``PowerData``, with a report in Chinese.

Layers, each usable on its own:

1. ``open_table(source, filename)`` (``files``) recognises the file by its content, refuses what
   it cannot or must not read (encrypted, legacy .xls, zip bombs, …; ``limits``) with
   ``ImportFileError``, picks the sheet (``xlsx``, or ``delimited`` for CSV) and the header row
   (``header``) and returns a ``Table`` (``table``). ``Table.rows()`` streams ``Row`` objects;
   nothing holds the whole sheet. ``cells`` turns cell values into the text the import stores.
2. ``rows_to_power_data(rows, departments, laws_lookup=…)`` (``rows``) turns rows into
   ``RowResult`` (row number, ``PowerData`` or None, errors, warnings), one at a time, with the
   value parsers of ``values``.
3. ``PowerReader`` (``reader``) ties both together for a caller that streams (the import
   service): iterate it for ``RowResult``s, or ``chunks_with_cells()`` for lists of valid
   ``PowerData`` with their cells; ``reader.report`` (``report``) holds the counts and
   messages. ``read_powers()`` / ``validate_file()`` are the small convenience wrappers that
   return an ``ImportReport``.

Only the names other code uses are re-exported here; the rest stay in their modules.

A file is acceptable only when the report has no errors; the reader never writes anything.
"""

from .cells import FORMULA_GUARD, FORMULA_STARTS, normalise_value
from .files import Grid, open_grid, open_table
from .limits import MB, ImportFileError, Limits, default_limits
from .reader import PowerReader, read_powers, validate_file
from .report import ImportReport, RowError, RowWarning
from .rows import DepartmentIndex, RowResult, rows_to_power_data
from .table import Row, Table
from .values import (
    STEP_DETAILS,
    channel_phones,
    parse_date,
    parse_materials,
    parse_outcomes,
    parse_power_type,
    parse_step_details,
    parse_steps,
    parse_tags,
    parse_time_limit,
)

__all__ = [
    "FORMULA_GUARD",
    "FORMULA_STARTS",
    "MB",
    "STEP_DETAILS",
    "DepartmentIndex",
    "Grid",
    "ImportFileError",
    "ImportReport",
    "Limits",
    "PowerReader",
    "Row",
    "RowError",
    "RowResult",
    "RowWarning",
    "Table",
    "channel_phones",
    "default_limits",
    "normalise_value",
    "open_grid",
    "open_table",
    "parse_date",
    "parse_materials",
    "parse_outcomes",
    "parse_power_type",
    "parse_step_details",
    "parse_steps",
    "parse_tags",
    "parse_time_limit",
    "read_powers",
    "rows_to_power_data",
    "validate_file",
]
