"""Wagtail's own search (the admin's page and snippet search): modelsearch's database backend,
with a faster index on PostgreSQL.

modelsearch's PostgreSQL index builds every entry through Django expressions: it walks an
object's search fields five times, compiles a SearchVector per text, rewrites every entry even
when nothing in it changed, and after every chunk of 1,000 recomputes the title norms with two
scans of the whole table. At 100,000 powers that was two thirds of `update_index` (≈ 550 s).

This index writes the same rows (tests/search/test_admin_search_index.py compares them with
modelsearch's) and searching them is modelsearch's, unchanged. It differs in how:
- an object's fields are read once, and the SQL is the one Django would compile, written
  directly;
- an entry whose vectors and texts are unchanged is left alone, so indexing an unchanged object
  again writes nothing (no new row version, no new postings in the three GIN indexes);
- the title norms (`lavg / length(title)`) are set for the entries a chunk wrote; during a
  rebuild, once at the end, and only on the entries whose norm changed.

On SQLite and MySQL the backend is modelsearch's own.
"""

from django.db import connection, transaction
from modelsearch.backends.database import SearchBackend as DatabaseSearchBackend
from modelsearch.backends.database.postgres.postgres import (
    IndexEntry,
    ObjectIndexer,
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchRebuilder,
)
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.utils import get_content_type_pk

# The three vectors an entry holds, and the plain texts kept beside them for fuzzy search.
COLUMNS = ("title", "autocomplete", "body", "title_text", "body_text")
WEIGHTS = frozenset("ABCD")


class _Fields(ObjectIndexer):
    """modelsearch's reading of an object's search fields (prepare_field, prepare_value), done
    once per object instead of once per column."""

    def __init__(self, search_fields):
        # Not super().__init__(), which asks the object for its fields each time.
        self.search_fields = search_fields

    def texts(self, obj):
        title, body, autocomplete = [], [], []
        for field in self.search_fields:
            for current, weight, value in self.prepare_field(obj, field):
                if isinstance(current, AutocompleteField):
                    autocomplete.append((value.strip(), weight))
                elif isinstance(current, SearchField):
                    target = title if current.field_name == "title" else body
                    target.append((value.strip(), weight))
        return title, autocomplete, body


def _vector(texts, config, params):
    """The SQL of modelsearch's `as_vector`: one weighted to_tsvector per non-empty text,
    joined with ||; an empty vector when there is none."""
    texts = [(text, weight) for text, weight in texts if text]
    if not texts:
        params.append("")
        return "to_tsvector(COALESCE(%s, ''))"
    parts = []
    for text, weight in texts:
        if weight not in WEIGHTS:
            raise ValueError(f"unknown tsvector weight {weight!r}")
        if config:
            params.extend((config, text))
            parts.append(f"setweight(to_tsvector(%s::regconfig, COALESCE(%s, '')), '{weight}')")
        else:
            params.append(text)
            parts.append(f"setweight(to_tsvector(COALESCE(%s, '')), '{weight}')")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _text(texts):
    return " ".join(text for text, _weight in texts if text)


class FastPostgresIndex(PostgresIndex):
    rebuilding = False

    def add_items(self, model, objs):
        search_fields = model.get_search_fields()
        if not search_fields or not objs:
            return
        fields = _Fields(search_fields)
        content_type = get_content_type_pk(model)
        rows, params = [], []
        for obj in objs:
            title, autocomplete, body = fields.texts(obj)
            params.extend((content_type, str(obj.pk)))
            vectors = [
                _vector(title, self.backend.config, params),
                _vector(autocomplete, self.backend.autocomplete_config, params),
                _vector(body, self.backend.config, params),
            ]
            params.extend((_text(title), _text(body)))
            rows.append(f"(%s, %s, {', '.join(vectors)}, 1.0, %s, %s)")
        table = IndexEntry._meta.db_table
        columns = ", ".join(COLUMNS)
        excluded = ", ".join(f"EXCLUDED.{column}" for column in COLUMNS)
        current = ", ".join(f"{table}.{column}" for column in COLUMNS)
        with transaction.atomic(using=self.write_connection.alias):
            with self.write_connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {table} (content_type_id, object_id, title, autocomplete, body,
                                         title_norm, title_text, body_text)
                    VALUES {", ".join(rows)}
                    ON CONFLICT (content_type_id, object_id) DO UPDATE
                        SET ({columns}, title_norm) = ({excluded}, 1.0)
                        WHERE ({current}) IS DISTINCT FROM ({excluded})
                    RETURNING id
                    """,  # noqa: S608 - the table's name, values bound
                    params,
                )
                written = [row[0] for row in cursor.fetchall()]
            if written and not self.rebuilding:
                self._set_title_norms(written)

    def _set_title_norms(self, ids=None):
        """title_norm = lavg / length(title), lavg the mean title length (in lexemes) of every
        entry, as modelsearch sets it: on the entries `ids`, or on every entry whose norm
        differs from it (after a rebuild)."""
        table = IndexEntry._meta.db_table
        with self.write_connection.cursor() as cursor:
            cursor.execute(f"SELECT AVG(LENGTH(title))::float FROM {table} WHERE LENGTH(title) > 0")  # noqa: S608
            (lavg,) = cursor.fetchone()
            if lavg is None:
                return
            if ids is None:
                cursor.execute(
                    f"""UPDATE {table} SET title_norm = %s / LENGTH(title)
                        WHERE LENGTH(title) > 0
                          AND title_norm IS DISTINCT FROM %s / LENGTH(title)""",  # noqa: S608
                    [lavg, lavg],
                )
            else:
                cursor.execute(
                    f"""UPDATE {table} SET title_norm = %s / LENGTH(title)
                        WHERE id = ANY(%s) AND LENGTH(title) > 0""",  # noqa: S608
                    [lavg, ids],
                )


class FastPostgresRebuilder(PostgresSearchRebuilder):
    """modelsearch's rebuild (stale entries deleted first), in one transaction like its atomic
    rebuilder, with the title norms set once at the end."""

    def __init__(self, index):
        super().__init__(index)
        self.transaction = transaction.atomic(using=index.write_connection.alias)

    def start(self):
        self.transaction.__enter__()
        try:
            self.index.rebuilding = True
            return super().start()
        except BaseException as error:
            self._abort(error)
            raise

    def finish(self):
        try:
            self.index.rebuilding = False
            self.index._set_title_norms()
        except BaseException as error:
            self._abort(error)
            raise
        self.transaction.__exit__(None, None, None)

    def _abort(self, error):
        self.index.rebuilding = False
        self.transaction.__exit__(type(error), error, error.__traceback__)


class FastPostgresSearchBackend(PostgresSearchBackend):
    index_class = FastPostgresIndex
    rebuilder_class = FastPostgresRebuilder
    atomic_rebuilder_class = FastPostgresRebuilder


def SearchBackend(params):  # noqa: N802 — the name Wagtail looks up in a backend's module
    if connection.vendor == "postgresql":
        return FastPostgresSearchBackend(params)
    return DatabaseSearchBackend(params)
