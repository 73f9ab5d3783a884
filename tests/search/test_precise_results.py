"""A citizen searching 身份证 wants the powers about identity cards, not every power whose
materials ask for a copy of one: when powers have the words in their own words (name, code,
legal basis), those are the results, and the page offers the rest."""

import pytest
from django.db import connection
from django.urls import reverse

from catalogue.services import powers_bulk_upsert
from search import engine
from search.engine import search_hall
from tests.factories import publish_power, road_transport_licence

pytestmark = pytest.mark.django_db

COPY_OF_ID = {"name": "申请人身份证复印件", "form": "copy", "copies": 1, "required": True,
              "note": ""}  # fmt: skip


@pytest.fixture
def powers():
    for code, title, department in [
        ("P-ID", "居民身份证补领", "TRANSPORT"),
        ("P-TAXI", "巡游出租汽车经营许可", "TRANSPORT"),
        ("P-SHOP", "个体工商户设立登记", "APPROVAL"),
    ]:
        publish_power(
            road_transport_licence(code=code, title=title, department_code=department,
                                   citations=[], tags=[], materials=[COPY_OF_ID])
        )  # fmt: skip


def codes(result):
    return [hit.document.code for hit in result.hits]


def test_the_powers_named_by_the_words_are_the_results_the_rest_on_request(powers, client):
    result = search_hall("身份证")
    assert codes(result) == ["P-ID"] and result.total == 1 and result.narrowed
    assert {f.value: f.count for f in result.facets["dept"]} == {"TRANSPORT": 1}

    everywhere = search_hall("身份证", {"scope": "all"})
    assert codes(everywhere)[0] == "P-ID"  # its own words still rank it first
    assert set(codes(everywhere)) == {"P-ID", "P-TAXI", "P-SHOP"} and not everywhere.narrowed

    html = client.get(reverse("search"), {"q": "身份证"}).content.decode()
    assert "也列出只在申请材料、办理流程等内容中提到的事项" in html
    assert "scope=all" in html
    html = client.get(reverse("search"), {"q": "身份证", "scope": "all"}).content.decode()
    assert "P-SHOP" in html and "也列出只在申请材料" not in html
    # the filters of the wider list keep it wide
    assert "scope=all&amp;dept=APPROVAL" in html or "dept=APPROVAL&amp;scope=all" in html


def test_words_no_power_is_named_by_find_every_power_that_mentions_them(powers):
    result = search_hall("复印件")
    assert set(codes(result)) == {"P-ID", "P-TAXI", "P-SHOP"} and not result.narrowed


def test_the_api_says_when_the_results_are_narrowed_and_widens_them_on_request(powers, client):
    narrowed = client.get("/api/v3/search/", {"q": "身份证"}).json()
    assert narrowed["narrowed"] is True and [h["code"] for h in narrowed["hits"]] == ["P-ID"]
    wide = client.get("/api/v3/search/", {"q": "身份证", "scope": "all"}).json()
    assert wide["narrowed"] is False and wide["total"] == 3
    refused = client.get("/api/v3/search/", {"q": "身份证", "scope": "everything"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_parameter"


def test_a_code_is_found_whole_or_not_at_all(powers):
    """Every code shares parts (511602000000, 000) with the others: a code that does not exist
    finds nothing rather than every power with a part of it."""
    assert codes(search_hall("P-TAXI")) == ["P-TAXI"]
    assert search_hall("P-TAXI-9").total == 0


def test_a_broad_word_ranks_the_powers_it_names_first_however_many_match(monkeypatch):
    """When a word matches thousands of powers, PostgreSQL ranks the matches by their names
    first and scores only the best of them with their whole text (search.engine,
    _ranked_in_two_steps): the pages are those that scoring every match gives. Here 60 powers
    cite the road transport regulation; 40 have 运输 in their name."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's bm25 reads its index, not the documents")
    named = [road_transport_licence(code=f"NAMED-{n:02}", title=f"道路货物运输经营许可{n:02}")
             for n in range(40)]  # fmt: skip
    others = [road_transport_licence(code=f"OTHER-{n:02}", title=f"货车经营许可{n:02}")
              for n in range(20)]  # fmt: skip
    powers_bulk_upsert(named + others, publish=True)

    def pages(candidates):
        monkeypatch.setattr(engine, "RANK_CANDIDATES", candidates)
        return [codes(search_hall("运输", page_number=page)) for page in (1, 2, 3)]

    every_match = pages(10_000)
    assert search_hall("运输").total == 60
    assert all(code.startswith("NAMED-") for code in every_match[0] + every_match[1])
    assert all(code.startswith("OTHER-") for code in every_match[2])
    # Five candidates beyond the page: the first two pages are ranked in two steps.
    assert pages(5) == every_match
    # The matches are walked once for both the counts and the candidates; then only the
    # candidates are read again, by their ids, to be scored whole.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert codes(search_hall("运输", page_number=2)) == every_match[1]
    walks = [q["sql"] for q in queries.captured_queries if "OFFSET 0" in q["sql"]]
    assert len(walks) == 1 and "GROUP BY" in walks[0]


def test_a_search_leaves_the_connection_planning_as_it_found_it(powers):
    """PostgreSQL runs a search's full-text queries with sequential scans off (search.engine,
    _full_text_reads), once for all of them; whatever the caller does next on the connection,
    in its own transaction or not, plans as usual."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no such setting")
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    def seqscan():
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            return cursor.fetchone()[0]

    with CaptureQueriesContext(connection) as queries:
        result = search_hall("身份证 补领")
    # the powers, then the law articles beside them: all asked with the one setting
    assert codes(result) == ["P-ID"] and result.articles
    settings = [q["sql"] for q in queries.captured_queries if "enable_seqscan" in q["sql"]]
    full_text = [q for q in queries.captured_queries if "tsquery" in q["sql"]]
    assert len(full_text) >= 4 and settings.count("SET LOCAL enable_seqscan = off") == 1
    assert seqscan() == "on"

    with transaction.atomic():
        assert codes(search_hall("身份证")) == ["P-ID"]
        assert seqscan() == "on"
        # the caller's transaction goes on: its writes stand with the search's reads
        publish_power(road_transport_licence(code="P-ID2", title="居民身份证换领",
                                             citations=[], tags=[]))  # fmt: skip
    assert set(codes(search_hall("身份证"))) == {"P-ID", "P-ID2"}
