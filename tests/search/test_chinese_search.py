"""A citizen searches the hall in Chinese: words inside longer names, codes, laws, synonyms."""

import pytest
from django.urls import reverse

from catalogue.models import PowerPage
from catalogue.services import PowerData, power_upsert
from search.engine import search_hall
from search.models import SearchLogEntry, Synonym
from tests.factories import publish_latest_revision, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def powers():
    """Real names from the service items, and one power that is only a draft."""
    made = {}
    for code, title, power_type, department in [
        ("P-PLAN", "建设工程（含临时建设）规划许可证核发", "01", "APPROVAL"),
        ("P-LICENCE", "个体工商户设立登记", "01", "APPROVAL"),
        ("P-TAXI", "巡游出租汽车经营许可", "01", "TRANSPORT"),
        ("P-SUSPENDED", "出租汽车驾驶员从业资格注册", "07", "TRANSPORT"),
    ]:
        made[code] = publish_power(
            road_transport_licence(
                code=code, title=title, power_type=power_type, department_code=department,
                citations=[], tags=[], result_name="营业执照" if code == "P-LICENCE" else "",
            )
        )  # fmt: skip
    power_upsert(data=PowerData(code="P-SUSPENDED", department_code="TRANSPORT",
                                status="suspended"), publish=True)  # fmt: skip
    power_upsert(data=road_transport_licence(code="P-DRAFT", title="草稿里的规划许可事项"))
    return made


def titles(query, **params):
    return [hit.document.title for hit in search_hall(query, params).hits]


def test_chinese_words_match_inside_longer_names(powers):
    assert titles("规划许可") == ["建设工程（含临时建设）规划许可证核发"]
    assert "建设工程（含临时建设）规划许可证核发" in titles("许可证")
    assert "巡游出租汽车经营许可" in titles("许可")
    assert titles("营业执照")[0] == "个体工商户设立登记"


def test_a_draft_appears_only_once_published(powers):
    assert "草稿里的规划许可事项" not in titles("规划许可")
    assert "草稿里的规划许可事项" not in titles("草稿")
    publish_latest_revision("P-DRAFT")
    assert "草稿里的规划许可事项" in titles("规划许可")
    assert titles("草稿") == ["草稿里的规划许可事项"]


def test_a_power_in_force_ranks_above_a_suspended_one(powers):
    assert titles("出租汽车") == ["巡游出租汽车经营许可", "出租汽车驾驶员从业资格注册"]


def test_an_exact_code_comes_first(powers):
    assert titles("P-TAXI")[0] == "巡游出租汽车经营许可"


def test_filters_and_facets_combine_with_the_query(powers):
    result = search_hall("出租汽车", {"type": "07"})
    assert [h.document.code for h in result.hits] == ["P-SUSPENDED"]
    counts = {f.value: f.count for f in result.facets["type"]}
    assert counts == {"01": 1, "07": 1}
    assert search_hall("出租汽车", {"status": "in_force"}).total == 1


def test_law_articles_are_found_by_law_and_article_number():
    result = search_hall("行政许可法 第十二条")
    assert result.articles[0].document.title == "《中华人民共和国行政许可法》第十二条"


def test_powers_are_found_by_the_articles_they_cite():
    power = publish_power()  # cites 道路运输条例 第二十一条
    result = search_hall("道路运输条例 第二十一条")
    assert [h.document.object_id for h in result.hits] == [power.pk]


def test_synonyms_maintained_by_administrators_apply(powers):
    Synonym.objects.create(terms="营业执照、工商登记")
    from django.core.cache import cache

    cache.clear()
    assert titles("工商登记")[0] == "个体工商户设立登记"


def test_a_power_found_through_a_synonym_ranks_below_one_with_the_words_themselves():
    for code, title in [("P-LOST", "营业执照遗失补办"), ("P-REG", "企业工商登记信息查询")]:
        publish_power(road_transport_licence(code=code, title=title, citations=[], tags=[]))
    Synonym.objects.create(terms="营业执照、工商登记")
    from django.core.cache import cache

    cache.clear()
    assert titles("营业执照") == ["营业执照遗失补办", "企业工商登记信息查询"]
    assert titles("工商登记") == ["企业工商登记信息查询", "营业执照遗失补办"]


def test_on_postgresql_powers_are_ranked_by_postgresqls_own_score_of_the_query(powers):
    """ts_rank() is given the query's distinct words once, in an order that spares it sorting
    them for every match (engine.rank_query): every power scores exactly what the query as built
    gives it, for every word, synonym, any-word sentence and required phrase."""
    from django.db import connection

    from search.engine import build_match, rank_query

    if connection.vendor != "postgresql":
        pytest.skip("ts_rank() is PostgreSQL's; SQLite ranks with bm25()")
    Synonym.objects.create(terms="营业执照、工商登记、市场主体登记")
    groups = [["营业执照", "工商登记", "市场主体登记"]]
    queries = [
        (["许可"], False),
        (["规划", "许可"], False),
        (["营业执照", "出租", "汽车"], True),
        (["营业执照"], False),
        (["出租汽车", "驾驶员"], False),
        (["设立登记"], False),
    ]
    with connection.cursor() as cursor:
        for words, any_word in queries:
            match = build_match(words, any_word=any_word, groups=groups)
            cursor.execute(
                "SELECT ts_rank(rank_vector, %s::tsquery), ts_rank(rank_vector, %s::tsquery),"
                " ts_rank(vector, %s::tsquery), ts_rank(vector, %s::tsquery)"
                " FROM hall_search_searchdocument WHERE vector @@ %s::tsquery",
                [match, rank_query(match), match, rank_query(match), match],
            )
            scores = cursor.fetchall()
            assert scores, words
            assert all(row[0] == row[1] and row[2] == row[3] for row in scores), (words, scores)


def test_unpublishing_removes_a_power_from_search(powers):
    assert "巡游出租汽车经营许可" in titles("出租汽车")
    PowerPage.objects.get(code="P-TAXI").unpublish()
    assert "巡游出租汽车经营许可" not in titles("出租汽车")


def test_matches_are_highlighted_and_escaped():
    publish_power(road_transport_licence(code="P-XSS", title="<script>alert(1)</script>规划许可",
                                         citations=[], tags=[]))  # fmt: skip
    hit = search_hall("规划许可").hits[0]
    assert "<script>" not in hit.title
    assert "&lt;script&gt;" in hit.title and "<mark>规划许可</mark>" in hit.title


def test_a_term_inside_a_longer_term_is_marked_once():
    from search.engine import highlight

    marked = highlight("个体工商户设立登记", ["登记", "设立登记", "<b>"])
    assert marked == "个体工商户<mark>设立登记</mark>"


@pytest.mark.parametrize(
    "query",
    ["", "x" * 10000, '"* ( ) : ^ -', "AND OR NOT NEAR", '"未闭合的引号', "😀🎉", "\x00\x07控制",
     "' OR 1=1; DROP TABLE x; --", "<img src=x onerror=alert(1)>", "许可 OR", "NEAR(许可 规划)"],
)  # fmt: skip
def test_hostile_queries_give_a_normal_page(client, powers, query):
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    assert b"<img src=x" not in response.content


def test_markup_typed_into_the_search_box_is_shown_as_text(client, powers):
    html = client.get(reverse("search"), {"q": "<img src=x onerror=alert(1)>"}).content.decode()
    assert "“&lt;img src=x onerror=alert(1)&gt;”" in html and "<img src=x" not in html


def test_the_search_page_shows_results_facets_and_logs_the_query(client, powers):
    response = client.get(reverse("search"), {"q": "出租汽车"})
    html = response.content.decode()
    assert "P-TAXI" in html and "P-SUSPENDED" in html and "事项类型" in html
    entry = SearchLogEntry.objects.get()
    assert (entry.query, entry.results) == ("出租汽车", 2)
    assert "private" in response["Cache-Control"]


def test_zero_results_offer_a_way_on(client, powers):
    html = client.get(reverse("search"), {"q": "火星签证"}).content.decode()
    assert "没有找到" in html and "/catalogue/" in html


def test_json_results_and_suggestions(client, powers):
    data = client.get(reverse("search_json"), {"q": "出租汽车"}).json()
    assert data["total"] == 2 and data["hits"][0]["title"] == "巡游出租汽车经营许可"
    assert {f["value"] for f in data["facets"]["type"]} == {"01", "07"}
    suggestions = client.get(reverse("search_suggest"), {"q": "出租"}).json()["suggestions"]
    assert "巡游出租汽车经营许可" in [s["title"] for s in suggestions]


def test_a_word_added_to_the_dictionary_is_kept_whole():
    from search.models import DictionaryWord
    from search.segmentation import query_words

    assert query_words("跨省通办") != ["跨省通办"]
    DictionaryWord.objects.create(word="跨省通办")
    assert query_words("跨省通办") == ["跨省通办"]


def test_administrators_see_what_citizens_search_for(client, powers):
    from tests.factories import make_user

    for query in ("出租汽车", "出租汽车", "火星签证"):
        client.get(reverse("search"), {"q": query})
    client.force_login(make_user("root", superuser=True))
    html = client.get(reverse("search_report")).content.decode()
    assert "最常搜索的词" in html and "出租汽车" in html
    zero = html.split("没有结果的搜索")[1]
    assert "火星签证" in zero and "出租汽车" not in zero


def test_a_synonym_inside_an_everyday_phrase_is_understood():
    publish_power(road_transport_licence(code="P-DOG", title="犬类准养证核发", citations=[],
                                         tags=[], department_code="APPROVAL"))  # fmt: skip
    Synonym.objects.create(terms="狗证、养犬证、犬类准养证")
    from django.core.cache import cache

    cache.clear()
    assert titles("办狗证") == ["犬类准养证核发"]


def test_asking_for_the_fine_standards_finds_every_penalty_with_a_fine():
    for code in ("PEN-1", "PEN-2"):
        publish_power(
            road_transport_licence(
                code=code, title=f"对违法行为{code}的行政处罚", power_type="02", citations=[],
                tags=[], discretion=[{"violation": "违法经营", "circumstance": "初次",
                                      "tier": "lighter", "standard": "处3000元以上的罚款"}],
            )
        )  # fmt: skip
    found = {hit.document.code for hit in search_hall("罚款标准").hits}
    assert {"PEN-1", "PEN-2"} <= found


def test_what_the_citizen_wants_done_ranks_the_matching_power_first():
    """社保卡丢了怎么办: 丢了 is not in any name, but it means 挂失 in the catalogue's words."""
    for code, title in [("P-APPLY", "社会保障卡申领"), ("P-LOSS", "社会保障卡挂失")]:
        publish_power(road_transport_licence(code=code, title=title, citations=[], tags=[]))
    Synonym.objects.create(terms="社保卡、社会保障卡")
    from django.core.cache import cache

    cache.clear()
    assert titles("社保卡丢了怎么办") == ["社会保障卡挂失", "社会保障卡申领"]
    assert titles("社保卡") == ["社会保障卡申领", "社会保障卡挂失"]


def test_the_starter_synonyms_load_once_and_leave_administrators_groups_alone():
    from pathlib import Path

    from django.conf import settings

    from search.services import synonyms_load

    Synonym.objects.create(terms="社保卡、社会保障卡")
    path = Path(settings.BASE_DIR) / "disclosure" / "fixtures" / "synonyms.txt"
    created = synonyms_load(path)
    assert "营业执照、工商登记、市场主体登记、设立登记" in created
    assert "社保卡、社会保障卡" not in created
    assert Synonym.objects.filter(terms="社保卡、社会保障卡").count() == 1
    assert synonyms_load(path) == []
