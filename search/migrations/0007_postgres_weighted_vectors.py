"""PostgreSQL: the generated vectors keep their fields' weights.

`setweight()` stores a weight with each position of a lexeme, and `array_to_tsvector()` (0002,
0006) made lexemes without positions: every weight was lost, and `ts_rank()` ranked a word in a
power's name the same as the same word in its materials. The vectors are now built by
`hall_search_words(words, weight)`, which gives each word its position in its field (so the
ranking also sees which words stand together) and the field's weight: name and code A, legal
basis B, the rest C, character pairs D, as SQLite's bm25 column weights rank them.

SQLite is unchanged (its FTS5 tables weigh columns at query time)."""

from django.db import migrations

TABLE = "hall_search_searchdocument"
NOT_POWER = "kind <> 'power'"

# Immutable (a generated column's expression must be): the same words give the same vector.
# Positions run from 1 in each field (the `||` of two vectors shifts the right one's positions
# past the left's); PostgreSQL keeps positions up to 16,383.
WORDS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION hall_search_words(words text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT setweight(coalesce(string_agg(
      '''' || replace(replace(w, '\', '\\'), '''', '''''') || ''':' || least(n, 16383), ' '
    )::tsvector, ''::tsvector), weight)
  FROM unnest(string_to_array(words, ' ')) WITH ORDINALITY AS t(w, n)
  WHERE w <> ''
$$
"""


def _vector(function, columns):
    return " || ".join(function(column, weight) for column, weight in columns)


def _weighted(column, weight):
    return f"hall_search_words({column}, '{weight}')"


def _unweighted(column, weight):
    return (
        f"setweight(array_to_tsvector(array_remove(string_to_array({column}, ' '), '')), "
        f"'{weight}')"
    )


VECTOR = [("name_words", "A"), ("code_words", "A"), ("basis_words", "B"), ("body_words", "C"),
          ("grams", "D")]  # fmt: skip
PRECISE = [("name_words", "A"), ("code_words", "A"), ("basis_words", "B"), ("grams", "D")]


def _columns(function):
    return [
        f"DROP INDEX IF EXISTS {TABLE}_side_vector",
        f"DROP INDEX IF EXISTS {TABLE}_precise_vector",
        f"DROP INDEX IF EXISTS {TABLE}_vector",
        f"ALTER TABLE {TABLE} DROP COLUMN vector, DROP COLUMN precise_vector",
        f"ALTER TABLE {TABLE} "
        f"ADD COLUMN vector tsvector GENERATED ALWAYS AS ({_vector(function, VECTOR)}) STORED, "
        f"ADD COLUMN precise_vector tsvector GENERATED ALWAYS AS ({_vector(function, PRECISE)}) "
        "STORED",
        f"CREATE INDEX {TABLE}_vector ON {TABLE} USING GIN (vector)",
        f"CREATE INDEX {TABLE}_precise_vector ON {TABLE} USING GIN (precise_vector)",
        f"CREATE INDEX {TABLE}_side_vector ON {TABLE} USING GIN (vector) WHERE {NOT_POWER}",
    ]


POSTGRES_FORWARD = [WORDS_FUNCTION, *_columns(_weighted)]
POSTGRES_BACKWARD = [*_columns(_unweighted), "DROP FUNCTION IF EXISTS hall_search_words"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("hall_search", "0006_side_fulltext")]
    operations = [migrations.RunPython(forward, backward)]
