"""SQLite: the kind of each document becomes a column of the full-text table, so that a search
for law articles or departments asks the index for those alone (`kind : article AND …`)
instead of matching every power and filtering afterwards. PostgreSQL is unchanged."""

from django.db import migrations

TABLE = "hall_search_searchdocument"
FTS = "hall_search_fts"


def _statements(columns):
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    return [
        f"DROP TRIGGER IF EXISTS {FTS}_ai",
        f"DROP TRIGGER IF EXISTS {FTS}_ad",
        f"DROP TRIGGER IF EXISTS {FTS}_au",
        f"DROP TABLE IF EXISTS {FTS}",
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({columns}, content='{TABLE}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {columns}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {columns}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {FTS}(rowid, {columns}) VALUES (new.id, {new}); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    ]


BEFORE = "name_words, code_words, basis_words, body_words, grams"
AFTER = BEFORE + ", kind"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _statements(AFTER):
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _statements(BEFORE):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("hall_search", "0003_title_index")]
    operations = [migrations.RunPython(forward, backward)]
