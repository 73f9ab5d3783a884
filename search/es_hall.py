"""The hall's search on Elasticsearch, when ELASTICSEARCH_URL is set.

The database index (search.models.SearchDocument) stays the record of what citizens may find and
what snippets are cut from. This module mirrors it into one Elasticsearch index ("<prefix>hall",
analysed for Chinese as search/es_settings.py sets out) and runs the hall's searches there: the
same words, synonyms (expanded at query time, as on the database), intent and soft words,
filters, facets and ranking rules as search.engine's SQL, one request per step
of those rules (one for most searches: the powers named by the words).

- Writing: search.documents calls `sync()` whenever it writes or removes documents; the mirror
  is written when the transaction commits. `manage.py update_index` rewrites every document and
  then deletes those it did not rewrite (`rebuild_started` / `rebuild_finished`).
- Reading: search.engine calls `power_search`, `side_search` and `suggest_titles`. When
  Elasticsearch cannot answer they raise `Unavailable` and the engine answers from the database.

The request bodies are built by pure functions (`power_search_body`, `index_body`…), which the
tests check without a server; the live tests run when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from .es_settings import index_settings
from .query import SOFT_WORDS, expand
from .understanding import DEPARTMENT_BOOST, TOPIC_BOOST, UNASKED_FACTOR

log = logging.getLogger(__name__)

# Field weights: name and code above the legal basis above the rest (as SQLITE_WEIGHTS).
FIELDS = ["title^10", "code^10", "basis_text^4", "body_text"]
# A power's own words: its name, code and legal basis (the database's precise index). When any
# power has the query's words there, those are the results (search.engine: `narrowed`).
PRECISE_FIELDS = FIELDS[:3]
# A match through a synonym counts half of a match of the word itself.
SYNONYM_BOOST = 0.5
FACET_COLUMNS = ("power_type", "department_id", "status")
WORD_ANALYZERS = {"smartcn", "ik_max_word", "ik_smart"}


class Unavailable(Exception):
    """Elasticsearch did not answer (down, unreachable, or refused the request)."""


def enabled() -> bool:
    return bool(getattr(settings, "ELASTICSEARCH_URL", ""))


def index_name() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}hall"


# --- Index ----------------------------------------------------------------------------------


def index_body(analyzer: str = "cjk") -> dict:
    """Settings and mappings of the hall's index. Text fields use the index's default analyzer
    (cjk, smartcn or IK); filters and facets are keyword or numeric fields."""
    text = {"type": "text"}
    index = index_settings(analyzer)["settings"]
    index["analysis"]["normalizer"] = {"hall_code": {"type": "custom", "filter": ["lowercase"]}}
    return {
        "settings": index,
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "kind": {"type": "keyword"},
                "object_id": {"type": "long"},
                "title": text,
                "code": {"type": "keyword", "normalizer": "hall_code"},
                "basis_text": text,
                "body_text": text,
                "power_type": {"type": "keyword"},
                "department_id": {"type": "long"},
                "status": {"type": "keyword"},
                "boost": {"type": "float"},
                "url": {"type": "keyword", "index": False},
                "synced_at": {"type": "double"},
            },
        },
    }


def document_id(kind: str, object_id: int) -> str:
    return f"{kind}-{object_id}"


def document_source(document, synced_at: float) -> dict:
    return {
        "kind": document.kind,
        "object_id": document.object_id,
        "title": document.title,
        "code": document.code,
        "basis_text": document.basis_text,
        "body_text": document.body_text,
        "power_type": document.power_type,
        "department_id": document.department_id,
        "status": document.status,
        "boost": document.boost,
        "url": document.url,
        "synced_at": synced_at,
    }


def bulk_actions(kind, documents, removed_object_ids=(), *, synced_at=None) -> list[dict]:
    """Index actions for `documents` (all of `kind`) and deletions for the removed objects."""
    synced_at = time.time() if synced_at is None else synced_at
    name = index_name()
    written = {d.object_id for d in documents}
    actions = [
        {"_op_type": "index", "_index": name, "_id": document_id(kind, d.object_id),
         "_source": document_source(d, synced_at)}
        for d in documents
    ]  # fmt: skip
    actions += [
        {"_op_type": "delete", "_index": name, "_id": document_id(kind, object_id)}
        for object_id in removed_object_ids
        if object_id not in written
    ]
    return actions


_client = None
_index_ready = False


def client():
    global _client
    if _client is None:
        from elasticsearch import Elasticsearch

        _client = Elasticsearch(
            settings.ELASTICSEARCH_URL,
            request_timeout=settings.ELASTICSEARCH_TIMEOUT,
            max_retries=0,
        )
    return _client


def _errors():
    from elastic_transport import TransportError
    from elasticsearch import ApiError

    return (ApiError, TransportError)


def ensure_index():
    """Create the index when it does not exist yet."""
    global _index_ready
    if _index_ready:
        return
    es, name = client(), index_name()
    if not es.indices.exists(index=name):
        body = index_body(settings.ELASTICSEARCH_ANALYZER)
        es.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    _index_ready = True


def sync(kind, documents, removed_object_ids=()):
    """Mirror a write of the database index once its transaction commits. A failure is logged,
    never raised: publishing does not depend on Elasticsearch, and `update_index` repairs."""
    if not enabled():
        return
    actions = bulk_actions(kind, list(documents), list(removed_object_ids))
    if actions:
        transaction.on_commit(lambda: _write(actions))


def _write(actions, *, refresh=False):
    from elasticsearch.helpers import BulkIndexError, bulk

    try:
        ensure_index()
        bulk(client(), actions, refresh=refresh, raise_on_error=True)
    except BulkIndexError as error:
        # Deleting what is not there is fine; anything else is logged.
        failed = [e for e in error.errors if e.get("delete", {}).get("status") != 404]
        if failed:
            log.error("Elasticsearch 未能写入 %s 条搜索文档：%s", len(failed), failed[:3])
    except _errors() as error:
        log.error("Elasticsearch 不可用，搜索文档未同步（可运行 update_index 补齐）：%s", error)


def rebuild_started() -> float:
    return time.time()


def rebuild_finished(started: float):
    """After a full rebuild every current document was rewritten: delete the rest."""
    if not enabled():
        return
    try:
        ensure_index()
        client().delete_by_query(
            index=index_name(), query={"range": {"synced_at": {"lt": started}}}, refresh=True
        )
    except _errors() as error:
        log.error("Elasticsearch 不可用，未能删除过期的搜索文档：%s", error)


# --- Queries --------------------------------------------------------------------------------


def join_words(words: list[str]) -> str:
    """Words back into text: Chinese without spaces (so that character pairs line up), a space
    only between two Latin words or numbers."""
    text = ""
    for word in words:
        if text and re.match(r"[0-9a-z]", word[0]) and re.match(r"[0-9a-z]", text[-1]):
            text += " "
        text += word
    return text


def _text_clause(text: str, boost: float = 1.0, fields=FIELDS) -> dict:
    clause = {"query": text, "fields": fields, "lenient": True}
    if settings.ELASTICSEARCH_ANALYZER in WORD_ANALYZERS:
        clause.update(type="best_fields", operator="and")
    else:
        clause.update(type="phrase")  # character pairs in sequence: the word inside any text
    if boost != 1.0:
        clause["boost"] = boost
    return {"multi_match": clause}


def word_clause(word: str, groups, fields=FIELDS) -> dict:
    """The word itself, or any synonym of it (at SYNONYM_BOOST), in `fields`."""
    alternatives = expand(word, groups)
    clauses = [_text_clause(join_words(alternatives[0]), fields=fields)]
    clauses += [_text_clause(join_words(alt), SYNONYM_BOOST, fields) for alt in alternatives[1:]]
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def text_query(words, *, groups, kind, boost_words=(), any_word=False, soft=SOFT_WORDS,
               departments=(), favoured=(), excluded=(), precise=False,
               demoted=((), ())) -> dict:  # fmt: skip
    """Documents of `kind` matching every word but the `soft` ones (or any, with any_word),
    with `precise` in their own words only (PRECISE_FIELDS), ranked by field weights, the
    document's own boost (in force above suspended) and, for the departments the query named,
    DEPARTMENT_BOOST; the `favoured` objects (a named life event's powers), TOPIC_BOOST; those
    named with one of the actions the query does not ask for and none it asks for (`demoted`:
    Understanding.demoted), UNASKED_FACTOR. The `excluded`
    objects are left out (a listed event's powers: search.engine.Listed)."""
    required = [w for w in words if w not in soft] or list(words)
    fields = PRECISE_FIELDS if precise else FIELDS
    clauses = [word_clause(w, groups, fields) for w in required]
    optional = [w for w in dict.fromkeys([*words, *boost_words]) if w not in required]
    query = {"filter": [{"term": {"kind": kind}}]}
    if excluded:
        query["must_not"] = [{"terms": {"object_id": list(excluded)}}]
    if any_word:
        query["must"] = [{"bool": {"should": clauses, "minimum_should_match": 1}}]
    else:
        query["must"] = clauses
    if optional:
        query["should"] = [_text_clause(w, fields=fields) for w in optional]
    functions = [{"field_value_factor": {"field": "boost", "missing": 1}}]
    if departments:
        functions.append(
            {"filter": {"terms": {"department_id": list(departments)}}, "weight": DEPARTMENT_BOOST}
        )
    if favoured:
        functions.append(
            {"filter": {"terms": {"object_id": list(favoured)}}, "weight": TOPIC_BOOST}
        )
    unasked, asked = demoted
    if unasked:
        named = {"should": [{"match_phrase": {"title": a}} for a in unasked],
                 "minimum_should_match": 1}  # fmt: skip
        if asked:
            named["must_not"] = [{"match_phrase": {"title": a}} for a in asked]
        functions.append({"filter": {"bool": named}, "weight": UNASKED_FACTOR})
    return {
        "function_score": {
            "query": {"bool": query},
            "functions": functions,
            "score_mode": "multiply",
            "boost_mode": "multiply",
        }
    }


def power_search_body(words, *, groups, filters, boost_words=(), any_word=False,
                      soft=SOFT_WORDS, departments=(), favoured=(), excluded=(), precise=False,
                      demoted=((), ()), offset=0, size=20) -> dict:  # fmt: skip
    """One request: the page of hits within `filters` (post_filter), and for each facet the
    counts within the other filters."""
    terms = {column: {"term": {column: value}} for column, value in filters.items()}
    aggs = {"matched": {"filter": {"match_all": {}}}}
    for column in FACET_COLUMNS:
        others = [term for other, term in terms.items() if other != column]
        aggs[column] = {
            "filter": {"bool": {"filter": others}},
            "aggs": {"values": {"terms": {"field": column, "size": 500}}},
        }
    body = {
        "query": text_query(words, groups=groups, kind="power", boost_words=boost_words,
                            any_word=any_word, soft=soft, departments=departments,
                            favoured=favoured, excluded=excluded, precise=precise,
                            demoted=demoted),
        "aggs": aggs,
        "from": offset,
        "size": size,
        "track_total_hits": True,
        "_source": False,
    }  # fmt: skip
    if terms:
        body["post_filter"] = {"bool": {"filter": list(terms.values())}}
    return body


@dataclass
class PowerResults:
    object_ids: list[int]
    total: int  # within the filters
    matched: int  # whatever the filters
    counts: dict[str, dict]  # column -> {value: count}


def _object_id(hit) -> int:
    return int(hit["_id"].rsplit("-", 1)[1])


def _search(body) -> dict:
    try:
        return client().search(index=index_name(), **body)
    except _errors() as error:
        raise Unavailable(str(error)) from error


def power_search(words, *, groups, filters, boost_words=(), any_word=False, soft=SOFT_WORDS,
                 departments=(), favoured=(), excluded=(), precise=False, demoted=((), ()),
                 offset=0, size=20):  # fmt: skip
    body = power_search_body(words, groups=groups, filters=filters, boost_words=boost_words,
                             any_word=any_word, soft=soft, departments=departments,
                             favoured=favoured, excluded=excluded, precise=precise,
                             demoted=demoted, offset=offset, size=size)  # fmt: skip
    answer = _search(body)
    aggregations = answer["aggregations"]
    counts = {}
    for column in FACET_COLUMNS:
        buckets = aggregations[column]["values"]["buckets"]
        counts[column] = {
            (int(b["key"]) if column == "department_id" else b["key"]): b["doc_count"]
            for b in buckets
        }
    return PowerResults(
        object_ids=[_object_id(hit) for hit in answer["hits"]["hits"]],
        total=answer["hits"]["total"]["value"],
        matched=aggregations["matched"]["doc_count"],
        counts=counts,
    )


def side_search(words, *, groups, kind, size, soft=SOFT_WORDS, any_word=False) -> list[int]:
    """Object ids of the best topics, law articles or departments for the words."""
    query = text_query(words, groups=groups, kind=kind, soft=soft, any_word=any_word)
    body = {"query": query, "size": size, "_source": False}
    return [_object_id(hit) for hit in _search(body)["hits"]["hits"]]


def suggest_body(prefix: str, limit: int) -> dict:
    return {
        "query": {
            "bool": {
                "filter": [{"term": {"kind": "power"}}],
                "should": [
                    {"match_phrase_prefix": {"title": {"query": prefix}}},
                    {"prefix": {"code": {"value": prefix.lower()}}},
                ],
                "minimum_should_match": 1,
            }
        },
        "size": limit,
        "_source": ["title", "url", "code"],
    }


def suggest_titles(prefix: str, limit: int) -> list[dict]:
    answer = _search(suggest_body(prefix, limit))
    return [
        {key: hit["_source"][key] for key in ("title", "url", "code")}
        for hit in answer["hits"]["hits"]
    ]
