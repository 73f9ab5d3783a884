"""Two more full-text indexes over the same rows, so that the usual searches cost the same
whatever the size of the catalogue:

- the powers' own words (name, code, legal basis and their character pairs), apart from the
  rest of their text: 身份证 is in nearly every power's materials, in a few hundred names and
  bases; a search reads the few hundred (search.engine: "precise");
- law articles, departments and life-event topics, apart from the powers: the side searches
  beside the powers no longer read the powers' postings.

SQLite: two FTS5 tables kept in step by triggers; PostgreSQL: a second generated vector (the
precise columns) with its GIN index, and a partial GIN index of the side documents."""

from django.db import migrations

TABLE = "hall_search_searchdocument"
SIDE = "hall_search_side_fts"
NAMES = "hall_search_name_fts"
SIDE_COLUMNS = "name_words, code_words, basis_words, body_words, grams, kind"
NAME_COLUMNS = "name_words, code_words, basis_words, grams"
POWER = "kind = 'power'"
NOT_POWER = "kind <> 'power'"


def _values(prefix, columns):
    return ", ".join(f"{prefix}.{c.strip()}" for c in columns.split(","))


def _fts(table, columns, condition):
    old, new = _values("old", columns), _values("new", columns)
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content='{TABLE}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {TABLE} WHEN new.{condition} BEGIN "
        f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {TABLE} WHEN old.{condition} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {table}_au_old AFTER UPDATE ON {TABLE} WHEN old.{condition} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {table}_au_new AFTER UPDATE ON {TABLE} WHEN new.{condition} BEGIN "
        f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"INSERT INTO {table}(rowid, {columns}) SELECT id, {columns} FROM {TABLE} "
        f"WHERE {condition}",
    ]


def _drop(table):
    return [
        *(f"DROP TRIGGER IF EXISTS {table}_{suffix}" for suffix in ("ai", "ad", "au_old", "au_new")),
        f"DROP TABLE IF EXISTS {table}",
    ]


def _tokens(column, weight):
    return (
        f"setweight(array_to_tsvector(array_remove(string_to_array({column}, ' '), '')), "
        f"'{weight}')"
    )


SQLITE_FORWARD = [*_fts(SIDE, SIDE_COLUMNS, NOT_POWER), *_fts(NAMES, NAME_COLUMNS, POWER)]
SQLITE_BACKWARD = [*_drop(SIDE), *_drop(NAMES)]
POSTGRES_FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN precise_vector tsvector GENERATED ALWAYS AS ("
    + " || ".join(
        [
            _tokens("name_words", "A"),
            _tokens("code_words", "A"),
            _tokens("basis_words", "B"),
            _tokens("grams", "D"),
        ]
    )
    + ") STORED",
    f"CREATE INDEX {TABLE}_precise_vector ON {TABLE} USING GIN (precise_vector)",
    f"CREATE INDEX {TABLE}_side_vector ON {TABLE} USING GIN (vector) WHERE {NOT_POWER}",
]
POSTGRES_BACKWARD = [
    f"DROP INDEX IF EXISTS {TABLE}_side_vector",
    f"DROP INDEX IF EXISTS {TABLE}_precise_vector",
    f"ALTER TABLE {TABLE} DROP COLUMN precise_vector",
]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("hall_search", "0005_intents_and_log_corrections")]
    operations = [migrations.RunPython(forward, backward)]
