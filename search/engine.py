"""Searching the hall: Chinese queries against the SearchDocument index, ranked by relevance.

- The query is cut into words (search.segmentation); each word matches itself or, for recall,
  the sequence of its character pairs; synonyms (search.models.Synonym) widen a word to its group.
- All words must match; when nothing does, any word may ("partial" results, said so on the page).
- Ranking: name and code weigh most, then the legal basis, then the rest; powers in force rank
  above suspended or cancelled ones; an exact 事项编码 comes first.
- SQLite uses FTS5 with bm25; PostgreSQL a tsvector with ts_rank. Either way one query finds the
  page of hits and one counts the facets (grouped in SQL).
- With ELASTICSEARCH_URL set, Elasticsearch answers instead (search.es_hall, the same rules in
  one request); when it cannot, the database does, and the log says so. Snippets, the live check
  and the exact-code rule are the same whichever answered.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db import connection, transaction
from django.utils.html import escape
from django.utils.safestring import mark_safe

from catalogue.choices import PowerStatus, PowerType
from catalogue.selectors import Facet, live_departments, live_powers
from catalogue.validators import CODE_PATTERN
from common.text import clean_public_text

from . import es_hall
from .models import DocumentKind, SearchDocument
from .query import SOFT_WORDS, expand, synonym_groups
from .segmentation import bigrams, prepare, query_words
from .understanding import (
    DEPARTMENT_BOOST,
    TOPIC_BOOST,
    UNASKED_FACTOR,
    Understanding,
    any_words,
    current_lexicon,
    intent_alone,
    understand,
)

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 100
PAGE_SIZE = 20
SNIPPET_CHARS = 90
CODE_RE = re.compile(CODE_PATTERN)
# bm25 column weights (SQLite): name, code, basis, body, grams, kind (a filter, not a score);
# the precise index (a power's own words, migration 0006): name, code, basis, grams.
SQLITE_WEIGHTS = (10.0, 10.0, 4.0, 1.0, 0.3, 0.0)
SQLITE_PRECISE_WEIGHTS = (10.0, 10.0, 4.0, 0.3)


@dataclass
class Hit:
    document: SearchDocument
    title: str
    snippet: str


@dataclass
class SearchPage:
    query: str
    words: list[str]
    hits: list[Hit]
    total: int
    page: int
    pages: int
    partial: bool = False
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    articles: list[Hit] = field(default_factory=list)
    departments: list[Hit] = field(default_factory=list)
    selected: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0
    topics: list[Hit] = field(default_factory=list)
    # The query the results are for: the typed one, or its correction (then corrected_from is
    # the typed one); a correction offered but not searched.
    searched: str = ""
    corrected_from: str = ""
    suggestion: str = ""
    department_names: list[str] = field(default_factory=list)
    exact: bool = False  # searched as typed, on request (no correction)
    # Only the powers with the query's words in their name, code or legal basis (many more
    # mention them in their materials or steps: scope=all lists those too, `everywhere`).
    narrowed: bool = False
    everywhere: bool = False
    # The query asks what a life event takes: its items lead the results (this many).
    listed: int = 0
    # Few powers have every word: these `leading` lead, and the rest were found by the
    # citizen's phrases `widened` alone (intent_alone), without the `loosened` words.
    widened: list[str] = field(default_factory=list)
    loosened: list[str] = field(default_factory=list)
    leading: int = 0
    # No phrase of the lexicon was in the query, but the query said what one rule's phrases
    # say: its words in the query (`guessed`: 外地 医院 看病) were searched as the rule's
    # (`guessed_as`: 异地就医、异地转诊…), as the query as said found few powers.
    guessed: list[str] = field(default_factory=list)
    guessed_as: list[str] = field(default_factory=list)


# --- Query building -------------------------------------------------------------------------


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_word(word: str) -> str:
    grams = bigrams(word)
    options = [_fts_quote(word)]
    if len(grams) > 1:
        options.append("grams : " + _fts_quote(" ".join(grams)))
    return "(" + " OR ".join(options) + ")"


def _pg_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_word(word: str) -> str:
    grams = bigrams(word)
    options = [_pg_quote(word)]
    if len(grams) > 1:
        options.append("(" + " & ".join(_pg_quote(g) for g in grams) + ")")
    return "(" + " | ".join(options) + ")"


def build_match(words: list[str], *, any_word=False, groups=None, soft=SOFT_WORDS) -> str:
    """The full-text expression for the database in use (`groups`: the synonym groups, read
    once per search by the caller): every word must match (or, with any_word, one of them),
    itself or a synonym. The `soft` words are not required (optional_words)."""
    groups = synonym_groups() if groups is None else groups
    postgres = connection.vendor == "postgresql"
    word_expr = _pg_word if postgres else _fts_word
    and_, or_ = (" & ", " | ") if postgres else (" AND ", " OR ")
    parts = []
    for word in _required(words, soft):
        alternatives = [and_.join(word_expr(w) for w in alt) for alt in expand(word, groups)]
        parts.append("(" + or_.join(f"({a})" for a in alternatives) + ")")
    return (or_ if any_word else and_).join(parts)


# _demoting ranks again this many matches beyond the page: those a demoted name above them
# could follow (a third lower moves a power down a few places, not hundreds).
DEMOTION_WINDOW = 40


def _demoting(sql, params, demoted, *, limit, offset):
    """(SQL, parameters): the page of `sql`'s ranking (ids and scores, best first) with the
    powers named with an action the query does not ask for (`demoted`: Understanding.demoted)
    ranked UNASKED_FACTOR lower. Only the best DEMOTION_WINDOW beyond the page are ranked
    again, by their titles: a broad word's 40,000 matches are not read twice."""
    unasked, asked = demoted
    postgres = connection.vendor == "postgresql"
    found = "strpos(d.title, %s) > 0" if postgres else "instr(d.title, %s) > 0"
    condition = "(" + " OR ".join([found] * len(unasked)) + ")"
    if asked:
        condition += " AND NOT (" + " OR ".join([found] * len(asked)) + ")"
    best = int(offset) + int(limit) + DEMOTION_WINDOW
    order = "score DESC, d.id" if postgres else "score ASC, d.id"
    # The titles of the best only: the ranking sorts ids and scores, not every match's title.
    return (
        f"SELECT d.id, r.score * (CASE WHEN {condition} THEN {UNASKED_FACTOR} ELSE 1 END) "  # noqa: S608
        f"AS score FROM ({sql} LIMIT {best}) AS r JOIN {DOC} d ON d.id = r.id "
        f"ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}",
        [*unasked, *asked, *params],
    )


def _required(words, soft):
    return [word for word in words if word not in soft] or words


def optional_words(words: list[str], *, boost=(), soft=SOFT_WORDS) -> list[str]:
    """One expression per word that only adds to the score: the query's soft words and the
    `boost` words (search.understanding). Each ranks higher the documents that have it
    (OPTIONAL_FACTOR, in _matching), without being put into the matching expression: there
    it would double the expression and the cost of ranking."""
    required = _required(words, soft)
    word_expr = _pg_word if connection.vendor == "postgresql" else _fts_word
    return [word_expr(w) for w in dict.fromkeys([*words, *boost]) if w not in required]


# --- Running it -----------------------------------------------------------------------------

DOC = SearchDocument._meta.db_table


def _filters_sql(kind, filters, excluded=()):
    clauses, params = ["d.kind = %s"], [kind]
    for column in ("power_type", "department_id", "status"):
        if filters.get(column) is not None:
            clauses.append(f"d.{column} = %s")
            params.append(filters[column])
    if excluded:
        clauses.append(f"d.object_id NOT IN ({_integers(excluded)})")
    return " AND ".join(clauses), params


def _integers(values):
    return ", ".join(str(int(value)) for value in values)


# A document found only through a synonym scores half: the words themselves come first where
# they match as well (the same field), but a synonym in a name still beats the word in a body.
SYNONYM_ONLY_FACTOR = 0.5
# Each optional word (a soft word, an action the citizen asks for) a document has raises its
# score by half: 身份证 补领 ranks 居民身份证补领 above 居民身份证首次申领.
OPTIONAL_FACTOR = 1.5
# PostgreSQL: ts_rank() counts the words a document has, not how much else its name says, where
# bm25 (SQLite) ranks the shorter of two names with the word higher. The rank is divided by
# 1 + this × ln(1 + the name's length). (Dividing by the whole document's length instead,
# ts_rank's own normalisation 1, buries the powers whose long legal basis a law reference finds.)
NAME_LENGTH_WEIGHT = 0.5
# PostgreSQL scores at most this many matches beyond the page's with their whole vectors
# (_ranked_in_two_steps); below it, every match.
RANK_CANDIDATES = 300
# Pages beyond this ask for no more candidates (a page past the last shows the last).
MAX_CANDIDATE_PAGES = 10_000


def _matching(match, kind, filters, *, limit=None, offset=0, facet_columns=False, literal=None,
              optional=(), departments=(), favoured=(), precise=False,
              candidates=None, excluded=(), demoted=None):  # fmt: skip
    """Run `match` (build_match) against documents of `kind` within `filters`: ranked ids and
    scores, or with facet_columns the counts per (type, department, status). `literal`, the
    expression without synonyms, when it differs, ranks documents it finds above the others;
    each `optional` expression (optional_words) a document matches raises it OPTIONAL_FACTOR;
    the powers of `departments` (named in the query) rank DEPARTMENT_BOOST higher, the
    `favoured` objects (a named life event's powers) TOPIC_BOOST higher. `precise`: in the
    powers' own words only (name, code, legal basis: see _powers_database). `candidates`
    (PostgreSQL): score only these documents, the best matches by their names
    (_counted_with_candidates, _ranked_in_two_steps).
    The `excluded` objects are left out (a listed event's powers: Listed). With a `limit`, the
    powers named with an action the query does not ask for rank lower (`demoted`: _demoting)."""
    where, where_params = _filters_sql(kind, filters, excluded)
    side = kind != DocumentKind.POWER
    postgres = connection.vendor == "postgresql"
    if postgres:
        vector = "d.precise_vector" if precise else "d.vector"
        length = f"(1 + {NAME_LENGTH_WEIGHT} * ln(1 + char_length(d.title)))"
        rank = f"ts_rank({vector}, CAST(%s AS tsquery)) / {length}"
        member_sql = f"{vector} @@ CAST(%s AS tsquery)"
        order = "score DESC, d.id"
        if side:
            # Said as the partial index over articles, departments and topics says it
            # (migration 0006), so that the planner uses it rather than the powers'.
            source = f"{DOC} d, CAST(%s AS tsquery) AS q(query)"
            condition = f"{vector} @@ q.query AND d.kind <> 'power'"
            found = [match]
        else:
            source = f"({_matched_by_index(vector)}) AS d, CAST(%s AS tsquery) AS q(query)"
            condition = "TRUE"
            found = [match, match]
    else:
        # Articles, departments and topics have a full-text table of their own (migration
        # 0006): finding them costs the same however many powers have the words too.
        fts = "hall_search_side_fts" if side else "hall_search_fts"
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        if precise:
            fts = "hall_search_name_fts"
            weights = ", ".join(str(w) for w in SQLITE_PRECISE_WEIGHTS)
        rank = f"bm25({fts}, {weights})"
        member_sql = f"d.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"  # noqa: S608
        # CROSS JOIN keeps SQLite from probing the full-text table once per document row.
        source = f"{fts} CROSS JOIN {DOC} d ON d.id = {fts}.rowid"
        condition = f"{fts} MATCH %s"
        order = "score ASC, d.id"
        if side:
            match = f'kind : "{kind}" AND ({match})'
            literal = literal and f'kind : "{kind}" AND ({literal})'
        found = [match]
    params = [*found, *where_params]
    run = _by_the_index if postgres else _fetch
    # Only constants, integers and column names are interpolated; every text is a parameter.
    if facet_columns:
        # One row per (type, department, status) with its count: a few hundred rows at most,
        # however many documents match.
        return run(
            f"SELECT d.power_type, d.department_id, d.status, COUNT(*) "  # noqa: S608
            f"FROM {source} WHERE {condition} AND {where} "
            "GROUP BY d.power_type, d.department_id, d.status",
            params,
        )
    score, factor_params = _scoring(match, literal, optional, departments, favoured)
    if postgres:
        factor_params = [rank_query(match), *factor_params]
    if candidates is not None and postgres and not side:
        source, condition, params = _ranked_in_two_steps(candidates, match, where_params)
    demoting = limit is not None and demoted and demoted[0] and not side
    sql = (
        f"SELECT d.id, {score(rank, member_sql)} AS score "  # noqa: S608
        f"FROM {source} WHERE {condition} AND {where} ORDER BY {order}"
    )
    params = [*factor_params, *params]
    if demoting:
        return run(*_demoting(sql, params, demoted, limit=limit, offset=offset))
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return run(sql, params)


def _scoring(match, literal, optional, departments, favoured):
    """(score(rank, member_sql) -> the score's SQL, its parameters): the rank times the
    document's boost and each factor. Each factor asks the full-text index once (an
    uncorrelated subquery on SQLite, a match of the row's vector on PostgreSQL), however many
    documents match."""
    factors = [(literal, 1.0, SYNONYM_ONLY_FACTOR)] if literal and literal != match else []
    factors += [(expr, OPTIONAL_FACTOR, 1) for expr in optional]
    placed = _placement_factors(departments, favoured)

    def score(rank, member_sql):
        cases = [f"(CASE WHEN {member_sql} THEN {yes} ELSE {no} END)" for _, yes, no in factors]
        return " * ".join([rank, "d.boost", *placed, *cases])

    return score, [expr for expr, _, _ in factors]


def _counted_with_candidates(match, filters, *, candidates, literal=None, optional=(),
                             departments=(), favoured=(), precise=False, excluded=()):  # fmt: skip
    """PostgreSQL: (the facet rows of _matching(..., facet_columns=True), the document ids of
    the best `candidates` powers within `filters` by the cheap score) in one query. The matches
    are read once, with the cheap score (rank_vector: _ranked_in_two_steps), into a
    materialised set that is both grouped and ordered: a broad word (许可 in 41,000 of 100,000
    powers) costs one walk of its postings and the rows rather than two."""
    vector = "d.precise_vector" if precise else "d.vector"
    all_where, all_params = _filters_sql(DocumentKind.POWER, {}, excluded)
    where, params = _filters_sql(DocumentKind.POWER, filters)
    score, factor_params = _scoring(match, literal, optional, departments, favoured)
    cheap = score("ts_rank(d.rank_vector, CAST(%s AS tsquery))",
                  "d.rank_vector @@ CAST(%s AS tsquery)")  # fmt: skip
    rows = _by_the_index(
        "WITH d AS MATERIALIZED ("  # noqa: S608
        f"SELECT d.id, d.kind, d.power_type, d.department_id, d.status, {cheap} AS cheap "
        f"FROM ({_matched_by_index(vector)}) AS d, CAST(%s AS tsquery) AS q(query) "
        f"WHERE {all_where}) "
        "(SELECT d.power_type, d.department_id, d.status, COUNT(*), NULL FROM d "
        "GROUP BY d.power_type, d.department_id, d.status) UNION ALL "
        f"(SELECT NULL, NULL, NULL, NULL, d.id FROM d WHERE {where} "
        f"ORDER BY d.cheap DESC, d.id LIMIT {int(candidates)})",
        [rank_query(match), *factor_params, match, match, *all_params, *params],
    )
    return [row[:4] for row in rows if row[4] is None], [row[4] for row in rows if row[4]]


_PG_LEXEME = re.compile(r"'((?:[^'\\]|''|\\.)*)'")


def rank_query(match: str) -> str:
    """PostgreSQL: the query `ts_rank()` scores `match` (build_match) with, the same score
    faster. `ts_rank()` reads only a query's distinct lexemes and whether its top operator is
    AND (a proximity score) or not, and sorts the lexemes again for every row it scores: the
    distinct lexemes under the same top operator, given in the order that leaves them sorted,
    score the same and spare that sort (a third of the ranking of 12,000 matches)."""
    lexemes = dict.fromkeys(m.group(0) for m in _PG_LEXEME.finditer(match))
    if len(lexemes) < 2:
        return match
    operator = " & " if _top_operator(match) == "&" else " | "
    # PostgreSQL keeps a query's operands in the reverse of their written order, and compares
    # them by their bytes.
    ordered = sorted(lexemes, key=lambda quoted: _PG_LEXEME.fullmatch(quoted).group(1).encode())
    return operator.join(reversed(ordered))


def _top_operator(match: str) -> str:
    """'&' or '|': the operator that joins the outermost parts of a tsquery's text."""
    text = _PG_LEXEME.sub("x", match).replace(" ", "")
    while text.startswith("(") and _closing(text) == len(text) - 1:
        text = text[1:-1]
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in "&|":
            return char
    return ""


def _closing(text: str) -> int:
    """Where the parenthesis that opens `text` closes."""
    depth = 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position
    return -1


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Set while a search's full-text queries run in one transaction with sequential scans off.
_INDEX_ONLY = contextvars.ContextVar("index_only", default=False)


@contextlib.contextmanager
def _full_text_reads():
    """PostgreSQL: run a search's full-text queries (_matched_by_index says why) in one
    transaction with sequential scans off, set once for all of them rather than around each.
    The setting is local to the transaction; inside an open one (a savepoint then: rolled back
    with it on failure) it is put back at the end, so that the rest plans as usual."""
    if connection.vendor != "postgresql" or _INDEX_ONLY.get():
        yield
        return
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        token = _INDEX_ONLY.set(True)
        try:
            yield
        finally:
            _INDEX_ONLY.reset(token)
        if nested:
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")


def _by_the_index(sql, params):
    """PostgreSQL: run one full-text query with sequential scans off (_full_text_reads)."""
    with _full_text_reads():
        return _fetch(sql, params)


def _placement_factors(departments, favoured):
    """The score's factors for the powers of `departments` and the `favoured` objects."""
    factors = []
    if departments:
        ids = _integers(departments)
        factors.append(f"(CASE WHEN d.department_id IN ({ids}) THEN {DEPARTMENT_BOOST} ELSE 1 END)")
    if favoured:
        ids = _integers(favoured)
        factors.append(f"(CASE WHEN d.object_id IN ({ids}) THEN {TOPIC_BOOST} ELSE 1 END)")
    return factors


# What the queries of _matching read of the documents the GIN index finds (PostgreSQL).
MATCHED_COLUMNS = (
    "d.id, d.kind, d.object_id, d.title, d.power_type, d.department_id, d.status, d.boost, "
    "d.vector, d.precise_vector, d.rank_vector"
)


def _matched_by_index(vector):
    """PostgreSQL: the documents whose `vector` matches the query (a parameter), found by the
    vector's GIN index; _matching filters them by kind, type, department and status after.
    The planner prices `vector @@ query` as cheaply as any operator: asked for powers of a
    kind with a word in a quarter of them, it reads the kind's index or the whole table and
    matches every row's vector, decompressing each from TOAST (300 ms for 许可 among 10,000
    powers, where the GIN index answers in 12). Alone in its subquery (OFFSET 0 keeps it
    apart), the match can only use its index once sequential scans are off (_by_the_index);
    the index answers exactly, so no vector is read to find the matches."""
    where = f"{vector} @@ CAST(%s AS tsquery)"
    return f"SELECT {MATCHED_COLUMNS} FROM {DOC} d WHERE {where} OFFSET 0"  # noqa: S608


def _ranked_in_two_steps(ids, match, where_params):
    """PostgreSQL: the (source, params) of _matching's query when it scores only the documents
    `ids`, the best matches by the score of their names, codes and legal citations
    (rank_vector, kept in the row: migration 0008) with the same boosts and factors
    (_counted_with_candidates). A power's whole vector is kept out of line (TOAST), and
    `ts_rank()` and each factor read it back for every match they score: 40,000 times for 许可
    among 100,000 powers. The words in a power's name or citations weigh most in its whole
    score too, so the best by them hold the first pages; the whole score orders them."""
    source = f"{DOC} d, CAST(%s AS tsquery) AS q(query)"
    return source, "d.id = ANY(%s)", [match, list(ids), *where_params]


def _power_filters(params, departments_by_code):
    selected, filters = {}, {}
    type_value = clean_public_text(params.get("type", ""), 20)
    if type_value:
        try:
            filters["power_type"] = selected["type"] = PowerType.parse(type_value).value
        except ValueError:
            pass
    dept = clean_public_text(params.get("dept", ""), 64)
    if dept in departments_by_code:
        selected["dept"] = dept
        filters["department_id"] = departments_by_code[dept].pk
    status = clean_public_text(params.get("status", ""), 20)
    if status in PowerStatus.values:
        filters["status"] = selected["status"] = status
    return selected, filters


# Positions of the filter columns in the rows _matching(..., facet_columns=True) returns; the
# count of matching documents follows them.
FACET_COLUMNS = {"power_type": 0, "department_id": 1, "status": 2}
COUNT = 3


def _row_passes(row, filters, *, ignore=None):
    return all(
        row[FACET_COLUMNS[column]] == value for column, value in filters.items() if column != ignore
    )


def _counts(rows, filters, counts=None):
    """From grouped rows: for each filter column, the counts per value within the other
    selected filters (the shape es_hall.PowerResults.counts has too), added to `counts`."""
    counts = counts or {}
    for column, position in FACET_COLUMNS.items():
        result = counts.setdefault(column, {})
        for row in rows:
            if _row_passes(row, filters, ignore=column):
                result[row[position]] = result.get(row[position], 0) + row[COUNT]
    return counts


def _facets(counts, filters, departments):
    """Facets for the page: types, departments and statuses with their counts."""
    by_type, by_dept, by_status = (
        counts["power_type"], counts["department_id"], counts["status"]
    )  # fmt: skip
    return {
        "type": [
            Facet(t.value, t.label, by_type.get(t.value, 0), filters.get("power_type") == t.value)
            for t in PowerType
            if by_type.get(t.value)
        ],
        "dept": [
            Facet(
                d.code, d.short_name or d.title, by_dept[d.pk], filters.get("department_id") == d.pk
            )
            for d in departments
            if by_dept.get(d.pk)
        ],
        "status": [
            Facet(s.value, s.label, by_status.get(s.value, 0), filters.get("status") == s.value)
            for s in PowerStatus
            if by_status.get(s.value)
        ],
    }


def _live_ids(ids):
    return set(live_powers().filter(pk__in=ids).values_list("pk", flat=True))


def highlight(text: str, terms: list[str], *, width=SNIPPET_CHARS) -> str:
    """An escaped excerpt of `text` around the first term found, with every term in <mark>."""
    if not text:
        return ""
    lowered = text.lower()
    positions = [lowered.find(t) for t in terms if t and lowered.find(t) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    excerpt = text[start : start + width]
    escaped = escape(excerpt)
    # One pass, longest terms first: 设立登记 is marked once, not with 登记 marked inside it.
    pattern = "|".join(
        re.escape(escape(term)) for term in sorted({t for t in terms if t}, key=len, reverse=True)
    )
    if pattern:
        escaped = re.sub(pattern, lambda m: f"<mark>{m.group(0)}</mark>", escaped, flags=re.I)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + escaped.replace("</mark><mark>", "") + suffix)  # noqa: S308


def _highlight_terms(words, groups):
    terms = []
    for word in words:
        for alternative in expand(word, groups):
            terms.extend(alternative)
    return terms


def _hits(ids, terms):
    documents = SearchDocument.objects.in_bulk(ids)
    hits = []
    for pk in ids:
        document = documents[pk]
        source = next(
            (
                t
                for t in (document.basis_text, document.body_text)
                if any(x in t.lower() for x in terms)
            ),
            document.body_text or document.basis_text,
        )
        hits.append(
            Hit(document, highlight(document.title, terms, width=300), highlight(source, terms))
        )
    return hits


# How many topics, law articles and departments the first page shows beside the powers.
SIDE_LIMITS = {DocumentKind.TOPIC: 3, DocumentKind.ARTICLE: 5, DocumentKind.DEPARTMENT: 3}


def search_hall(query: str, params=None, *, page_number=1) -> SearchPage:
    """Search live powers (with facets and filters), life-event topics, law articles and
    departments. A query with a typo is searched corrected when the correction is sure or the
    query as typed finds nothing (`exact` in params: never)."""
    started = time.perf_counter()
    params = params or {}
    query = clean_public_text(query, MAX_QUERY_LENGTH)
    departments = list(
        live_departments().order_by("path").only("id", "code", "title", "short_name")
    )
    selected, filters = _power_filters(params, {d.code: d for d in departments})
    lexicon = current_lexicon(departments)
    exact = params.get("exact") is True or str(params.get("exact", "")).lower() in ("1", "true")
    understood = understand(query, lexicon, correct=not exact)
    result = SearchPage(query=query, words=understood.words, hits=[], total=0, page=1, pages=1,
                        selected=selected, searched=query,
                        exact=exact)  # fmt: skip
    if not understood.words:
        return result

    result.everywhere = str(params.get("scope", "")) == "all"
    side = {}
    # Elasticsearch answers (the database only when it is unavailable, query by query).
    with contextlib.nullcontext() if es_hall.enabled() else _full_text_reads():
        found, understood = _with_correction(understood, lexicon, filters, page_number, result)
        ranked = found.rank()
        named = _exact_code(query, filters) if found.page == 1 else None
        if found.page == 1 and not selected:
            side = {kind: found.side(kind, limit) for kind, limit in SIDE_LIMITS.items()}
    result.narrowed, result.listed = found.narrowed, found.listed
    result.widened, result.loosened, result.leading = found.widened, found.loosened, found.leading
    result.guessed, result.guessed_as = understood.saying, understood.guessed_as
    result.words = understood.words
    result.department_names = understood.department_names
    terms = _highlight_terms(understood.words, understood.groups)
    result.total, result.partial, result.page = found.total, found.partial, found.page
    result.facets = _facets(found.counts, filters, departments)
    result.pages = max(1, -(-result.total // PAGE_SIZE))
    if named is not None:
        ranked = [named] + [pk for pk in ranked if pk != named]
        result.total = max(result.total, 1)
    documents = SearchDocument.objects.filter(pk__in=ranked).only("id", "object_id")
    live = _live_ids([d.object_id for d in documents])
    by_pk = {d.pk: d.object_id for d in documents}
    ranked = [pk for pk in ranked if by_pk.get(pk) in live]
    result.hits = _hits(ranked, terms)
    if side:
        result.topics = _hits(side[DocumentKind.TOPIC], terms)
        result.articles = _hits(side[DocumentKind.ARTICLE], terms)
        result.departments = _hits(side[DocumentKind.DEPARTMENT], terms)
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    return result


def _with_correction(understood, lexicon, filters, page_number, result):
    """(what was found, the understanding it was found with): the corrected query's when the
    correction is sure and finds something, or when the query as typed finds nothing (or only
    some of its words) and the correction finds all; otherwise the query as typed, with the
    correction offered when it finds something."""
    correction = understood.correction

    def _find(understood, filters, page_number):
        found = _find_powers(understood, filters, page_number, everywhere=result.everywhere)
        return found, found.understood or understood

    if correction is None:
        return _find(understood, filters, page_number)
    corrected = understand(correction.text, lexicon, correct=False)
    if correction.sure:
        found, searched = _find(corrected, filters, page_number)
        if found.matched:
            result.corrected_from, result.searched = result.query, correction.text
            return found, searched
        return _find(understood, filters, page_number)
    found, searched = _find(understood, filters, page_number)
    alternative, corrected = _find(corrected, filters, page_number)
    if alternative.matched and (not found.matched or (found.partial and not alternative.partial)):
        result.corrected_from, result.searched = result.query, correction.text
        return alternative, corrected
    if alternative.matched and alternative.total > found.total:
        result.suggestion = correction.text
    return found, searched


@dataclass
class Found:
    counts: dict
    total: int  # within the filters
    matched: int  # whatever the filters
    partial: bool
    page: int
    # The page's document ids, in order: asked for only by the results shown (a correction
    # that is merely compared is never ranked).
    rank: Callable[[], list[int]]
    side: Callable[[str, int], list[int]]  # (kind, limit) -> document ids
    # Only the powers with the words in their own words (_powers_database); more mention them.
    narrowed: bool = False
    listed: int = 0  # the event's items that lead the results (Listed)
    widened: list[str] = field(default_factory=list)  # SearchResult.widened, loosened
    loosened: list[str] = field(default_factory=list)
    leading: int = 0
    # The query as searched when it was read as a guess (Understanding.guess): its `saying`
    # and `guessed_as` are SearchPage.guessed and guessed_as.
    understood: Understanding | None = None


# When the query as said finds fewer powers than this (fewer than a page), and has a citizen's
# phrase (an intent), what that phrase finds follows, the other words only ranking
# (intent_alone).
FEW_MATCHES = PAGE_SIZE // 2


def _find_powers(understood, filters, page_number, *, everywhere=False) -> Found:
    def find(understood, listed, page_number):
        if es_hall.enabled():
            try:
                return _powers_elasticsearch(understood, filters, page_number, listed,
                                             everywhere=everywhere)  # fmt: skip
            except es_hall.Unavailable as error:
                log.warning("Elasticsearch 不可用，本次搜索由数据库索引回答：%s", error)
        return _powers_database(understood, filters, page_number, listed, everywhere=everywhere)

    listed = Listed.of(understood.listed, filters)
    found = find(understood, listed, page_number)
    guess = understood.guess
    if guess is not None and (found.partial or found.matched < FEW_MATCHES):
        # 转外地医院看病备案: the words as said find few powers, and those by chance (备案 and
        # 医院 in a fire inspection's legal basis); read as the lexicon's 在外地看病 says them,
        # they find the powers for it (异地就医…), and those are the results.
        by_guess = find(guess, listed, page_number)
        if not by_guess.partial and by_guess.matched > len(listed.rows):
            found, understood = replace(by_guess, understood=guess), guess
    wider = intent_alone(understood)
    # A sentence without an intent (家养 外省 检疫 证明): any of its words will do.
    sentence = wider is None
    if sentence:
        wider = any_words(understood)
    if wider is None or not found.matched or found.partial or found.matched >= FEW_MATCHES:
        return found
    # 店子要关 税务: the few powers with every word lead; the rest of what 店子要关 finds follows.
    # (Fewer than a page: they are all on the first, whatever page was asked for.)
    ranked = found.rank()
    if sentence and _names_one(understood, ranked):
        # 中国内地公民婚姻登记: every word a name's, the query names that power.
        return replace(found, rank=lambda: ranked)
    leading = Listed.of_documents(ranked, filters)
    by_intent = find(wider, leading, page_number)
    if by_intent.matched <= found.matched:
        return replace(found, rank=lambda: ranked)  # ranked once
    loosened = [word for word in understood.words if word in wider.soft - understood.soft]
    # What the rest were found by: the words the wider search required (the phrases; all the
    # words of a sentence), or the saying a guess read.
    widened = understood.saying or wider.required
    return replace(by_intent, listed=found.listed, widened=widened,
                   loosened=loosened, leading=len(leading.ids),
                   understood=found.understood)  # fmt: skip


def _names_one(understood, document_ids) -> bool:
    """Does the query name one of these documents: is each of its words (or an alternative of
    it) in that document's name? A query with words no name has (a sentence) names none."""
    required = understood.required
    if len(required) < len(understood.words):
        return False
    titles = SearchDocument.objects.filter(pk__in=document_ids).values_list("title", flat=True)
    names = [prepare(title) for title in titles]
    return any(
        all(any(all(t in name for t in alternative) for alternative in expand(w, understood.groups))
            for w in required)
        for name in names
    )  # fmt: skip


def _page_of(total, page_number):
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(1, page_number), pages)


@dataclass
class Listed:
    """The powers of the event a query asks about (Understanding.listed): the results begin
    with them, in the topic's order (the order the event takes them in), whether the words
    find them or not; the rest of what the words find follows. The counts and facets include
    them. Likewise the few powers with every word of a query that has an intent, ahead of
    what the intent alone finds (_find_powers)."""

    object_ids: list[int]
    rows: list[tuple]  # (power_type, department_id, status, 1) each: the facet rows' shape
    ids: list[int]  # their document ids within the filters, in order

    @classmethod
    def of(cls, object_ids, filters) -> Listed:
        """The powers `object_ids`, in that order."""
        if not object_ids:
            return cls([], [], [])
        documents = SearchDocument.objects.filter(kind=DocumentKind.POWER,
                                                  object_id__in=object_ids)  # fmt: skip
        return cls._in_order(documents, object_ids, "object_id", filters)

    @classmethod
    def of_documents(cls, document_ids, filters) -> Listed:
        """The powers of the documents `document_ids` (a search's ranking), in that order."""
        documents = SearchDocument.objects.filter(pk__in=document_ids)
        return cls._in_order(documents, document_ids, "id", filters)

    @classmethod
    def _in_order(cls, documents, keys, key, filters) -> Listed:
        found = {row[0]: row for row in documents.values_list(key, "object_id", "id",
                                                              *FACET_COLUMNS)}  # fmt: skip
        ordered = [found[k][1:] for k in keys if k in found]
        rows = [(*row[2:], 1) for row in ordered]
        ids = [row[1] for row, facets in zip(ordered, rows, strict=True)
               if _row_passes(facets, filters)]  # fmt: skip
        return cls([row[0] for row in ordered], rows, ids)

    def page(self, page):
        """(the listed document ids on `page`, the offset and number of the rest on it)."""
        start = (page - 1) * PAGE_SIZE
        shown = self.ids[start : start + PAGE_SIZE]
        return shown, max(0, start - len(self.ids)), PAGE_SIZE - len(shown)


def _first_that_finds(understood, attempt, *, everywhere):
    """The order in which every backend tries a query (_powers_database,
    _powers_elasticsearch): every word, then, for several words, any one of them; each first in
    the powers' own words (name, code, legal basis: `narrowed`) unless `everywhere`, then in
    all their text. `attempt(any_word, precise)` returns (what it found, whether anything).
    Returns (what was found, any_word, precise) of the first attempt that found anything, else
    of the last."""
    # A 事项编码 is found whole or not at all: its parts (511602000000, 000) are in every code.
    fallback = len(understood.words) > 1 and not CODE_RE.match(understood.query.strip())
    for any_word in (False, True) if fallback else (False,):
        for precise in (False,) if everywhere else (True, False):
            found, matched = attempt(any_word, precise)
            if matched:
                return found, any_word, precise
    return found, any_word, precise


def _powers_database(understood, filters, page_number, listed, *, everywhere=False) -> Found:
    """The powers found in the database's full-text index (and a side search for the rest).

    When any power has the query's words in its own words (name, code, legal basis: the precise
    index), those are the results; powers that only mention the words in their materials or
    steps are left out (`narrowed`; the page offers them: `everywhere`, scope=all). The rule is
    the same whatever the size of the catalogue. The `listed` powers (Listed) come first."""
    words, groups, boost = understood.words, understood.groups, understood.boost
    coded = _by_code(understood.query, filters, page_number)
    if coded is not None:
        return coded

    def expression(any_word=False, synonyms=True):
        return build_match(words, any_word=any_word or understood.either,
                           groups=groups if synonyms else [],
                           soft=understood.soft_when(any_word))  # fmt: skip

    base, literal, optional, best = "", None, [], []
    excluded = listed.object_ids
    placed = {"departments": understood.department_ids, "favoured": understood.favoured}
    postgres = connection.vendor == "postgresql"
    # PostgreSQL scores whole only the best matches by their names: as many as the page asked
    # for needs, and RANK_CANDIDATES more (_counted_with_candidates).
    candidates = min(max(1, page_number), MAX_CANDIDATE_PAGES) * PAGE_SIZE + RANK_CANDIDATES

    def counted(base, literal, precise):
        nonlocal best
        if not postgres:
            return _matching(base, DocumentKind.POWER, {}, facet_columns=True, precise=precise,
                             excluded=excluded)  # fmt: skip
        rows, best = _counted_with_candidates(base, filters, candidates=candidates,
                                              literal=literal, optional=optional, precise=precise,
                                              excluded=excluded, **placed)  # fmt: skip
        return rows

    def attempt(any_word, precise):
        nonlocal base, literal, optional
        base, literal = expression(any_word), expression(any_word, synonyms=False)
        optional = optional_words(words, boost=boost, soft=understood.soft_when(any_word))
        rows = counted(base, literal, precise)
        return rows, bool(rows)

    rows, any_word, precise = _first_that_finds(understood, attempt, everywhere=everywhere)
    partial = bool(rows) and any_word
    total = sum(row[COUNT] for row in rows if _row_passes(row, filters))
    page = _page_of(total + len(listed.ids), page_number)

    def rank():
        shown, offset, limit = listed.page(page)
        if not limit or not rows or (postgres and not best):
            return shown
        # Synonyms in play: what the words themselves find ranks first.
        ranked = _matching(base, DocumentKind.POWER, filters, limit=limit, offset=offset,
                           candidates=best if postgres else None, literal=literal,
                           optional=optional, precise=precise, excluded=excluded,
                           demoted=understood.demoted,
                           **placed)  # fmt: skip
        return shown + [row[0] for row in ranked]

    def side(kind, limit):
        if kind == DocumentKind.TOPIC:
            found = _matching(expression(any_word=True), kind, {}, limit=limit, optional=optional)
            return _named_topics_first(understood, [row[0] for row in found], limit)
        return [row[0] for row in _matching(expression(), kind, {}, limit=limit,
                                            optional=optional)]  # fmt: skip

    return Found(_counts([*rows, *listed.rows], filters), total + len(listed.ids),
                 sum(row[COUNT] for row in rows) + len(listed.rows), partial, page, rank, side,
                 narrowed=precise, listed=len(listed.ids))  # fmt: skip


def _by_code(query, filters, page_number) -> Found | None:
    """A query that is a power's whole 事项编码 finds that power (and any other with the same
    code), looked up by the code's index: the full-text index would walk the postings of its
    parts (511602000000 is in every code). None when no power has that code."""
    text = query.strip()
    if not CODE_RE.match(text):
        return None
    documents = list(
        SearchDocument.objects.filter(kind=DocumentKind.POWER, code__in={text, text.upper()})
        .order_by("-boost", "id")
        .values_list("id", *FACET_COLUMNS)[:PAGE_SIZE]
    )
    if not documents:
        return None
    counts = {}
    for _pk, *columns in documents:
        counts[tuple(columns)] = counts.get(tuple(columns), 0) + 1
    rows = [(*columns, count) for columns, count in counts.items()]
    ranked = [pk for pk, *columns in documents if _row_passes(columns, filters)]
    total = sum(row[COUNT] for row in rows if _row_passes(row, filters))
    return Found(_counts(rows, filters), total, len(documents), False,
                 _page_of(total, page_number), lambda: ranked,
                 lambda kind, limit: [], narrowed=True)  # fmt: skip


def _named_topics_first(understood, found, limit):
    """Topic document ids: those the query names (understanding.topic_ids) first, then those
    whose name (title, keywords) has a word of the query. A topic that only mentions the words
    in its text (营业执照 in 企业注销一件事) is not put above the powers."""
    named = _document_ids(DocumentKind.TOPIC, understood.topic_ids) if understood.topic_ids else []
    terms = {t for group in _query_alternatives(understood) for t in group if len(t) > 1}
    names = dict(
        SearchDocument.objects.filter(pk__in=[pk for pk in found if pk not in named]).values_list(
            "pk", "name_words"
        )
    )

    def names_it(pk):
        # One short common word is not enough (证明 is in 新生儿出生一件事's 出生证明): two of
        # the query's words, or one of three characters or more (社保卡).
        shared = [t for t in terms if t in names[pk]]
        return len(shared) > 1 or any(len(t) > 2 for t in shared)

    by_name = [pk for pk in found if pk in names and names_it(pk)]
    return [*named, *by_name][:limit]


def _query_alternatives(understood):
    """The query's words, each with the alternatives it is searched with (synonyms, intents)."""
    return [[w for alternative in expand(word, understood.groups) for w in alternative]
            for word in understood.words]  # fmt: skip


def _document_ids(kind, object_ids):
    """Database document ids, in the order of the object ids Elasticsearch ranked."""
    pairs = dict(
        SearchDocument.objects.filter(kind=kind, object_id__in=object_ids).values_list(
            "object_id", "pk"
        )
    )
    return [pairs[object_id] for object_id in object_ids if object_id in pairs]


def _powers_elasticsearch(understood, filters, page_number, listed, *, everywhere=False) -> Found:
    """The same as _powers_database, answered by Elasticsearch (search.es_hall): a whole
    事项编码 is looked up by its code; the powers with the words in their own words are the
    results when any has them (`narrowed`); every word, else any (`partial`), a broad word only
    ranking then."""
    coded = _by_code(understood.query, filters, page_number)
    if coded is not None:
        return coded
    words, groups = understood.words, understood.groups

    def run(page, any_word, precise):
        _shown, offset, limit = listed.page(page)
        return es_hall.power_search(words, groups=groups, filters=filters,
                                    boost_words=understood.boost,
                                    soft=understood.soft_when(any_word),
                                    departments=understood.department_ids,
                                    favoured=understood.favoured,
                                    any_word=any_word or understood.either,
                                    excluded=listed.object_ids, precise=precise,
                                    demoted=understood.demoted,
                                    offset=offset, size=limit)  # fmt: skip

    def attempt(any_word, precise):
        found = run(1, any_word, precise)
        return found, bool(found.matched)

    found, any_word, precise = _first_that_finds(understood, attempt, everywhere=everywhere)
    partial = bool(found.matched) and any_word
    page = _page_of(found.total + len(listed.ids), page_number)
    if page != 1:
        found = run(page, any_word, precise)

    def side(kind, limit):
        try:
            ids = es_hall.side_search(words, groups=groups, kind=kind, size=limit,
                                      soft=understood.soft,
                                      any_word=kind == DocumentKind.TOPIC)  # fmt: skip
        except es_hall.Unavailable:
            ids = []
        found = _document_ids(kind, ids)
        if kind == DocumentKind.TOPIC:
            return _named_topics_first(understood, found, limit)
        return found

    ranked = listed.page(page)[0] + _document_ids(DocumentKind.POWER, found.object_ids)
    return Found(_counts(listed.rows, filters, found.counts), found.total + len(listed.ids),
                 found.matched + len(listed.rows), partial, page, lambda: ranked, side,
                 narrowed=precise, listed=len(listed.ids))  # fmt: skip


def _exact_code(query, filters):
    """The power whose 事项编码 or whole name is exactly the query, to rank it first."""
    text = query.strip()
    if CODE_RE.match(text):
        documents = SearchDocument.objects.filter(code__in={text, text.upper()})
    else:
        documents = SearchDocument.objects.filter(kind=DocumentKind.POWER, title=text)
    # The few documents with that code or name are checked here, so that the database looks
    # them up by the code's or the name's index whatever its statistics say.
    wanted = {"kind": DocumentKind.POWER, **filters}
    for document in documents.only("id", *wanted)[:20]:
        if all(getattr(document, column) == value for column, value in wanted.items()):
            return document.pk
    return None


def suggest(prefix: str, limit=8) -> list[dict]:
    """Power names for autocomplete: names whose words start with what was typed."""
    prefix = clean_public_text(prefix, MAX_QUERY_LENGTH)
    words = query_words(prefix)
    if not words:
        return []
    if es_hall.enabled():
        try:
            return es_hall.suggest_titles(prefix, limit)
        except es_hall.Unavailable as error:
            log.warning("Elasticsearch 不可用，输入提示由数据库索引回答：%s", error)
    if connection.vendor == "postgresql":
        match = " & ".join(f"{_pg_quote(w)}:*" for w in words)
    else:
        match = " AND ".join(f"name_words : {_fts_quote(w)} *" for w in words)
    ids = [row[0] for row in _matching(match, DocumentKind.POWER, {}, limit=limit)]
    documents = SearchDocument.objects.in_bulk(ids)
    return [{"title": documents[pk].title, "url": documents[pk].url, "code": documents[pk].code}
            for pk in ids if pk in documents]  # fmt: skip
