"""Elasticsearch, configured for Chinese. Live tests run only when ELASTICSEARCH_URL is set."""

import os

import pytest

from search.es_settings import backend_settings, index_settings


def test_the_default_index_analyses_chinese_with_the_cjk_analyzer():
    settings = backend_settings("http://es.example:9200")
    assert settings["BACKEND"] == "wagtail.search.backends.elasticsearch8"
    assert settings["URLS"] == ["http://es.example:9200"]
    assert settings["INDEX_SETTINGS"]["settings"]["analysis"]["analyzer"]["default"] == {
        "type": "cjk"
    }


def test_ik_segments_at_index_time_and_searches_with_the_smart_mode():
    analyzers = index_settings("ik_max_word")["settings"]["analysis"]["analyzer"]
    assert analyzers["default"]["tokenizer"] == "ik_max_word"
    assert analyzers["default_search"]["tokenizer"] == "ik_smart"


def test_an_unknown_analyzer_is_refused_with_a_chinese_message_the_known_ones_are_used():
    with pytest.raises(ValueError, match="ELASTICSEARCH_ANALYZER 只能是"):
        index_settings("english")
    assert index_settings("cjk")["settings"]["analysis"]["analyzer"]["default"] == {"type": "cjk"}


@pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="没有设置 ELASTICSEARCH_URL：跳过 Elasticsearch 实机测试（本机无法运行 Elasticsearch）",
)
@pytest.mark.django_db
def test_a_live_elasticsearch_finds_chinese_words_inside_names():
    from wagtail.search.backends import get_search_backend

    from catalogue.models import PowerPage
    from tests.factories import publish_power, road_transport_licence

    backend = get_search_backend("default")
    backend.reset_indexes()
    publish_power(road_transport_licence(code="ES-1", title="建设工程规划许可证核发",
                                         citations=[], tags=[]))  # fmt: skip
    backend.refresh_indexes()
    found = backend.search("规划许可", PowerPage.objects.live())
    assert [p.code for p in found] == ["ES-1"]


# --- The hall's own index and queries (search/es_hall.py), checked without a server ---------


def test_the_hall_index_keeps_filters_as_keywords_and_analyses_text_for_chinese():
    from search.es_hall import index_body

    body = index_body("cjk")
    properties = body["mappings"]["properties"]
    assert properties["title"] == {"type": "text"}
    assert properties["power_type"]["type"] == properties["status"]["type"] == "keyword"
    assert properties["code"]["normalizer"] == "hall_code"
    assert body["settings"]["analysis"]["analyzer"]["default"] == {"type": "cjk"}


def test_a_search_with_a_filter_counts_each_facet_within_the_other_filters():
    from search.es_hall import FIELDS, power_search_body

    body = power_search_body(
        ["规划", "许可"], groups=[], filters={"power_type": "01", "status": "in_force"}, size=20
    )
    scored = body["query"]["function_score"]
    # in force above suspended
    assert scored["functions"] == [{"field_value_factor": {"field": "boost", "missing": 1}}]
    must = scored["query"]["bool"]["must"]
    assert [c["multi_match"]["query"] for c in must] == ["规划", "许可"]
    assert must[0]["multi_match"]["fields"] == FIELDS and must[0]["multi_match"]["type"] == "phrase"
    assert {"term": {"power_type": "01"}} in body["post_filter"]["bool"]["filter"]
    type_facet = body["aggs"]["power_type"]["filter"]["bool"]["filter"]
    assert type_facet == [{"term": {"status": "in_force"}}]
    dept_facet = body["aggs"]["department_id"]["filter"]["bool"]["filter"]
    assert {"term": {"power_type": "01"}} in dept_facet


def test_synonyms_widen_a_word_at_half_weight_and_intent_words_only_add_to_the_score():
    from search.es_hall import power_search_body

    groups = [["营业执照", "市场主体登记"]]
    body = power_search_body(["营业执照"], groups=groups, filters={}, boost_words=["补办"])
    query = body["query"]["function_score"]["query"]["bool"]
    alternatives = query["must"][0]["bool"]["should"]
    assert [a["multi_match"]["query"] for a in alternatives] == ["营业执照", "市场主体登记"]
    assert alternatives[1]["multi_match"]["boost"] == 0.5
    assert [c["multi_match"]["query"] for c in query["should"]] == ["补办"]
    assert "post_filter" not in body


def test_a_citizens_query_is_understood_the_same_way_for_elasticsearch():
    """The understanding (search.understanding) feeds the request: traditional characters are
    simplified, the everyday name of a department ranks its powers higher without being
    required, an intent stands for the catalogue's words, filler is not required."""
    from types import SimpleNamespace

    from search.es_hall import power_search_body
    from search.understanding import compile_lexicon, department_aliases, understand
    from search.vocabulary import build

    health = SimpleNamespace(pk=7, title="广安市广安区卫生健康局", short_name="区卫健局")
    vocabulary = build(["医师 执业 注册", "犬类 准养证 犬类准养证 核发"], ["犬类准养证"])
    lexicon = compile_lexicon(vocabulary=vocabulary, groups=[], intents={"养条狗": ["犬类准养证"]},
                              aliases=department_aliases([health]))  # fmt: skip
    doctor = understand("衛健委 醫師執業註冊", lexicon)
    assert doctor.department_ids == [7] and doctor.words == ["医师", "执业", "注册"]
    body = power_search_body(doctor.words, groups=doctor.groups, filters={}, soft=doctor.soft,
                             departments=doctor.department_ids)  # fmt: skip
    functions = body["query"]["function_score"]["functions"]
    assert {"filter": {"terms": {"department_id": [7]}}, "weight": 1.5} in functions
    must = body["query"]["function_score"]["query"]["bool"]["must"]
    # 注册, how citizens also say 设立, only ranks (understanding.CITIZEN_VERBS).
    assert [c["multi_match"]["query"] for c in must] == ["医师", "执业"]
    assert "注册" in str(body["query"]["function_score"]["query"]["bool"]["should"])

    dog = understand("家里想养条狗要办证吗", lexicon)
    body = power_search_body(dog.words, groups=dog.groups, filters={}, soft=dog.soft)
    query = body["query"]["function_score"]["query"]["bool"]
    (slot,) = query["must"]
    assert [a["multi_match"]["query"] for a in slot["bool"]["should"]] == ["养条狗", "犬类准养证"]
    assert "家里" not in str(query["must"])


def test_asking_what_a_life_event_takes_searches_its_items_apart_for_elasticsearch():
    """The event's items lead (search.engine.Listed): the page's request leaves them out."""
    from search.es_hall import power_search_body
    from search.understanding import compile_lexicon, understand
    from search.vocabulary import TopicWords, build

    birth = TopicWords(3, ("孩子出生", "新生儿"), (41, 42, 43))
    vocabulary = build(["出生 医学 证明"], [], [birth])
    lexicon = compile_lexicon(vocabulary=vocabulary, groups=[], intents={}, aliases={})
    asked = understand("孩子出生了要办哪些手续", lexicon)
    assert asked.listed == [41, 42, 43] and asked.favoured == [41, 42, 43]
    assert understand("孩子出生了怎么办出生证明", lexicon).listed == []

    rest = power_search_body(asked.words, groups=asked.groups, filters={}, excluded=asked.listed)
    query = rest["query"]["function_score"]["query"]["bool"]
    assert query["must_not"] == [{"terms": {"object_id": [41, 42, 43]}}]
    plain = power_search_body(asked.words, groups=asked.groups, filters={})
    assert "must_not" not in plain["query"]["function_score"]["query"]["bool"]


def test_elasticsearch_asks_first_for_the_powers_with_the_words_in_their_own_words():
    """As on the database (search.engine: `narrowed`): 身份证 is in most powers' materials and
    in few names; the powers that have it in their name, code or legal basis are asked for
    first, and every field only when none has (or on scope=all)."""
    from search.es_hall import FIELDS, power_search_body

    def fields(body):
        query = body["query"]["function_score"]["query"]["bool"]
        clauses = [*query["must"], *query.get("should", [])]
        return {field for clause in clauses for field in clause["multi_match"]["fields"]}

    own = power_search_body(["身份证"], groups=[], filters={}, boost_words=["补领"], precise=True)
    assert fields(own) == {"title^10", "code^10", "basis_text^4"}
    everywhere = power_search_body(["身份证"], groups=[], filters={}, boost_words=["补领"])
    assert fields(everywhere) == set(FIELDS) and "body_text" in FIELDS


def test_for_elasticsearch_too_a_broad_word_of_a_sentence_only_ranks(monkeypatch):
    """孩子生病想休学 学校说要审批, where any one of its words will do: in a city's catalogue 审批
    is in 19,000 names, and every one of them would follow the one wanted. Elasticsearch is
    asked as the database is (Understanding.soft_when): 休学 finds, 审批 ranks. (Four names
    make 审批 broad here.)"""
    import search.understanding
    from search.es_hall import power_search_body
    from search.understanding import any_words, compile_lexicon, understand
    from search.vocabulary import build

    names = ["适龄 儿童 延缓 入学 休学 审批", "建设 工程 消防 设计 审批", "烟花 爆竹 经营 审批",
             "户外 广告 设置 审批"]  # fmt: skip
    lexicon = compile_lexicon(vocabulary=build(names, []), groups=[], intents={}, aliases={})

    def required(query):
        sentence = any_words(understand(query, lexicon))
        body = power_search_body(sentence.words, groups=sentence.groups, filters={},
                                 soft=sentence.soft_when(any_word=False),
                                 any_word=sentence.either)  # fmt: skip
        (either,) = body["query"]["function_score"]["query"]["bool"]["must"]
        return [clause["multi_match"]["query"] for clause in either["bool"]["should"]]

    query = "孩子生病想休学 学校说要审批"
    assert required(query) == ["休学", "审批"]
    monkeypatch.setattr(search.understanding, "BROAD_NAMES", 3)
    assert required(query) == ["休学"]
    # Said alone, a broad word is still what is searched.
    alone = understand("审批", lexicon)
    assert alone.soft_when(any_word=True) == alone.soft and "审批" not in alone.soft


def test_for_elasticsearch_too_a_name_with_an_action_not_asked_for_ranks_lower():
    """As on the database (Understanding.unasked): who asks for 网约车 wants the licence before
    closing the business; who says the licence 到期了 asks for 换发, so a name with 换发 is
    spared even if it has another action too."""
    from search.es_hall import power_search_body
    from search.understanding import UNASKED_FACTOR, compile_lexicon, understand
    from search.vocabulary import build

    lexicon = compile_lexicon(vocabulary=build(["网络 预约 出租 汽车 运输证 发放"], []),
                              groups=[], intents={}, aliases={})  # fmt: skip

    def demoting(query):
        said = understand(query, lexicon)
        body = power_search_body(said.words, groups=said.groups, filters={},
                                 demoted=said.demoted)  # fmt: skip
        (named,) = [f["filter"]["bool"] for f in body["query"]["function_score"]["functions"]
                    if f.get("weight") == UNASKED_FACTOR]  # fmt: skip
        unasked = {clause["match_phrase"]["title"] for clause in named["should"]}
        asked = {clause["match_phrase"]["title"] for clause in named.get("must_not", [])}
        return unasked, asked

    unasked, asked = demoting("网约车运输证")
    assert {"注销", "换发", "变更"} <= unasked and not asked
    unasked, asked = demoting("网约车运输证到期了")
    assert "注销" in unasked and "换发" not in unasked and "换发" in asked


def test_words_are_joined_so_that_chinese_character_pairs_line_up():
    from search.es_hall import join_words

    assert join_words(["最低", "生活", "保障"]) == "最低生活保障"
    assert join_words(["iso", "9001", "认证"]) == "iso 9001认证"


@pytest.mark.django_db
def test_when_elasticsearch_is_down_the_hall_answers_from_the_database(
    settings, caplog, django_capture_on_commit_callbacks
):
    """A configured but unreachable Elasticsearch (nothing listens on the port): publishing
    still works, and search, suggestions and facets come from the database index."""
    from search import es_hall
    from search.engine import search_hall, suggest
    from tests.factories import publish_power, road_transport_licence

    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.ELASTICSEARCH_TIMEOUT = 1
    es_hall._client, es_hall._index_ready = None, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            publish_power(road_transport_licence(code="ES-DOWN", title="建设工程规划许可证核发",
                                                 citations=[], tags=[]))  # fmt: skip
        assert "搜索文档未同步" in caplog.text
        result = search_hall("规划许可", {"type": "01"})
        assert [hit.document.code for hit in result.hits] == ["ES-DOWN"]
        assert {f.value: f.count for f in result.facets["type"]} == {"01": 1}
        assert [s["code"] for s in suggest("建设工程")] == ["ES-DOWN"]
        assert "Elasticsearch 不可用" in caplog.text
    finally:
        es_hall._client, es_hall._index_ready = None, False


live = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"),
    reason="没有设置 ELASTICSEARCH_URL：跳过 Elasticsearch 实机测试（本机无法运行 Elasticsearch）",
)


@live
@pytest.mark.django_db
def test_a_live_elasticsearch_answers_the_hall_with_facets_synonyms_and_suggestions(
    django_capture_on_commit_callbacks,
):
    from django.core.cache import cache

    from catalogue.models import PowerPage
    from search import es_hall
    from search.engine import search_hall, suggest
    from search.models import Synonym
    from tests.factories import publish_power, road_transport_licence

    es_hall.client().indices.delete(index=es_hall.index_name(), ignore_unavailable=True)
    es_hall._index_ready = False
    with django_capture_on_commit_callbacks(execute=True):
        for code, title in [
            ("ES-PLAN", "建设工程规划许可证核发"),
            ("ES-REG", "个体工商户设立登记"),
        ]:
            publish_power(road_transport_licence(code=code, title=title, citations=[], tags=[]))
    Synonym.objects.create(terms="营业执照、设立登记")
    cache.clear()
    es_hall.client().indices.refresh(index=es_hall.index_name())

    found = es_hall.power_search(["规划", "许可"], groups=[], filters={})
    assert found.total == 1
    result = search_hall("规划许可")
    assert [h.document.code for h in result.hits] == ["ES-PLAN"]
    assert "<mark>" in result.hits[0].title
    assert [h.document.code for h in search_hall("营业执照").hits] == ["ES-REG"]
    assert [s["code"] for s in suggest("建设")] == ["ES-PLAN"]

    with django_capture_on_commit_callbacks(execute=True):
        PowerPage.objects.get(code="ES-PLAN").unpublish()
    es_hall.client().indices.refresh(index=es_hall.index_name())
    assert search_hall("规划许可").hits == []


@live
@pytest.mark.django_db
def test_a_live_elasticsearch_narrows_to_the_powers_own_words_as_the_database_does(
    django_capture_on_commit_callbacks,
):
    from search import es_hall
    from search.engine import search_hall
    from tests.factories import publish_power, road_transport_licence

    copy_of_id = {"name": "申请人身份证复印件", "form": "copy", "copies": 1, "required": True,
                  "note": ""}  # fmt: skip
    es_hall.client().indices.delete(index=es_hall.index_name(), ignore_unavailable=True)
    es_hall._index_ready = False
    with django_capture_on_commit_callbacks(execute=True):
        for code, title in [("ES-ID", "居民身份证补领"), ("ES-CAR", "机动车登记")]:
            publish_power(road_transport_licence(code=code, title=title, citations=[], tags=[],
                                                 materials=[copy_of_id]))  # fmt: skip
    es_hall.client().indices.refresh(index=es_hall.index_name())

    named = search_hall("身份证")  # both powers ask for it among their materials
    assert [h.document.code for h in named.hits] == ["ES-ID"] and named.narrowed
    everywhere = search_hall("身份证", {"scope": "all"})
    assert {h.document.code for h in everywhere.hits} == {"ES-ID", "ES-CAR"}
