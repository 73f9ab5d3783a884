"""The full-text structures over SearchDocument, per database: an FTS5 table kept in step by
triggers on SQLite, a generated tsvector with a GIN index on PostgreSQL."""

from django.db import migrations

TABLE = "hall_search_searchdocument"
FTS = "hall_search_fts"
COLUMNS = "name_words, code_words, basis_words, body_words, grams"
OLD = ", ".join(f"old.{c.strip()}" for c in COLUMNS.split(","))
NEW = ", ".join(f"new.{c.strip()}" for c in COLUMNS.split(","))

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, content='{TABLE}', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _tokens(column, weight):
    return f"setweight(array_to_tsvector(array_remove(string_to_array({column}, ' '), '')), '{weight}')"


POSTGRES_FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
    + " || ".join(
        [
            _tokens("name_words", "A"),
            _tokens("code_words", "A"),
            _tokens("basis_words", "B"),
            _tokens("body_words", "C"),
            _tokens("grams", "D"),
        ]
    )
    + ") STORED",
    f"CREATE INDEX {TABLE}_vector ON {TABLE} USING GIN (vector)",
]
POSTGRES_BACKWARD = [f"DROP INDEX IF EXISTS {TABLE}_vector", f"ALTER TABLE {TABLE} DROP COLUMN vector"]


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
    dependencies = [("hall_search", "0001_search_index")]
    operations = [migrations.RunPython(forward, backward)]
