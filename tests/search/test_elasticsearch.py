"""Elasticsearch, configured for Chinese. Live tests run only when ELASTICSEARCH_URL is set."""

import os

import pytest

from search.elasticsearch import backend_settings, index_settings


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


def test_an_unknown_analyzer_is_refused_with_a_chinese_message():
    with pytest.raises(ValueError, match="ELASTICSEARCH_ANALYZER 只能是"):
        index_settings("english")


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
