"""Elasticsearch for the hall, when ELASTICSEARCH_URL is set.

Wagtail's Elasticsearch 8 backend with an index whose default analyzer suits Chinese:
- "cjk" (built in, the default): overlapping character pairs, like the embedded index's grams;
- "smartcn" (plugin analysis-smartcn) or "ik_max_word"/"ik_smart" (plugin analysis-ik): word
  segmentation, chosen with ELASTICSEARCH_ANALYZER when the plugin is installed.
Autocomplete keeps Wagtail's edge n-gram analyzer. Synonyms are applied by search.query's
expansion, the same on every backend. No Django imports here: settings import this module.
"""

ANALYZERS = {
    "cjk": {"type": "cjk"},
    "smartcn": {"type": "smartcn"},
    "ik_max_word": {"type": "custom", "tokenizer": "ik_max_word"},
    "ik_smart": {"type": "custom", "tokenizer": "ik_smart"},
}
SEARCH_ANALYZERS = {"ik_max_word": "ik_smart"}


def index_settings(analyzer: str = "cjk") -> dict:
    if analyzer not in ANALYZERS:
        raise ValueError(
            f"ELASTICSEARCH_ANALYZER 只能是 {'、'.join(ANALYZERS)} 之一，而不是 {analyzer!r}"
        )
    analyzers = {"default": ANALYZERS[analyzer]}
    search_analyzer = SEARCH_ANALYZERS.get(analyzer)
    if search_analyzer:
        analyzers["default_search"] = ANALYZERS[search_analyzer]
    return {"settings": {"analysis": {"analyzer": analyzers}}}


def backend_settings(url: str, analyzer: str = "cjk", prefix: str = "disclosure_") -> dict:
    return {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": [url],
        "INDEX_PREFIX": prefix,
        "TIMEOUT": 10,
        "OPTIONS": {},
        "INDEX_SETTINGS": index_settings(analyzer),
    }
