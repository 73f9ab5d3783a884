"""PostgreSQL: rank thousands of matches without reading every match's whole vector.

A power's precise vector holds its legal basis with the cited articles' text, a few kilobytes:
PostgreSQL keeps it out of line (TOAST) and reads it back, decompressed, for each match that
`ts_rank()` scores. With 100,000 powers a broad word (许可) matches 40,000 of them.

- `name_grams`: the character pairs of the name alone; `citation_words`: the laws and articles a
  power cites, without the articles' text (both databases; SQLite does not use them).
- `rank_vector` (PostgreSQL): name and code words (weight A), citations (B) and the name's pairs
  (D), a few hundred bytes kept in the row (storage MAIN). search.engine ranks a large set of
  matches by it first, then scores the best of them with their whole vectors.
- `toast_tuple_target`: a row longer than 2 KB keeps only 256 bytes in the table (the long text
  columns go out of line), so that counting matches reads fewer pages.

The name pairs of the powers already indexed are filled in here; their citations are written by
the next `update_index` (the nightly timer runs it: deploy/README.md)."""

from django.db import migrations, models

from search.segmentation import bigrams

TABLE = "hall_search_searchdocument"
RANK_VECTOR = (
    "hall_search_words(name_words, 'A') || hall_search_words(code_words, 'A') "
    "|| hall_search_words(citation_words, 'B') || hall_search_words(name_grams, 'D')"
)
POSTGRES_FORWARD = [
    f"ALTER TABLE {TABLE} SET (toast_tuple_target = 256)",
    f"ALTER TABLE {TABLE} ADD COLUMN rank_vector tsvector GENERATED ALWAYS AS ({RANK_VECTOR}) "
    "STORED",
    f"ALTER TABLE {TABLE} ALTER COLUMN rank_vector SET STORAGE MAIN",
]
POSTGRES_BACKWARD = [
    f"ALTER TABLE {TABLE} DROP COLUMN rank_vector",
    f"ALTER TABLE {TABLE} RESET (toast_tuple_target)",
]
BATCH = 1000


def fill_name_grams(apps, schema_editor):
    document_model = apps.get_model("hall_search", "SearchDocument")
    documents = document_model.objects.using(schema_editor.connection.alias)
    ids = list(documents.filter(kind="power").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = list(documents.filter(pk__in=ids[start : start + BATCH]).only("pk", "title"))
        for document in batch:
            document.name_grams = " ".join(bigrams(document.title))
        documents.bulk_update(batch, ["name_grams"])


def forward(apps, schema_editor):
    fill_name_grams(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


def _text_column(name):
    """A text column added by ALTER TABLE on both databases: Django would rebuild the table on
    SQLite (a column that is not null), dropping the triggers that keep its full-text tables
    in step (0002, 0006)."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AddField(
                model_name="searchdocument",
                name=name,
                field=models.TextField(blank=True, default=""),
                preserve_default=False,
            )
        ],
        database_operations=[
            migrations.RunSQL(
                f"ALTER TABLE {TABLE} ADD COLUMN {name} text NOT NULL DEFAULT ''",
                f"ALTER TABLE {TABLE} DROP COLUMN {name}",
            )
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("hall_search", "0007_postgres_weighted_vectors")]
    operations = [
        _text_column("name_grams"),
        _text_column("citation_words"),
        migrations.RunPython(forward, backward),
    ]
