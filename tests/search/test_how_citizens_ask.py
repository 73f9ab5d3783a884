"""A citizen searches as people talk: traditional characters, typos, abbreviations, a
department's everyday name, a situation instead of the catalogue's words. Real item names from
the district's service items (disclosure/fixtures/service-items)."""

import time

import pytest
from django.urls import reverse

from search.engine import search_hall
from search.models import Intent, SearchLogEntry, Synonym
from tests.factories import (
    load_base_data,
    make_department,
    make_topic,
    publish_power,
    road_transport_licence,
)

pytestmark = pytest.mark.django_db

ITEMS = [
    ("GA-DOG", "犬类准养证核发", "POLICE"),
    ("GA-ID-LOST", "居民身份证挂失申报、丢失招领", "POLICE"),
    ("GA-ID", "居民身份证办理（包括临时）", "POLICE"),
    ("GA-MOVE", "户口迁移审批", "POLICE"),
    ("GA-BIRTH", "《出生医学证明》首次签发", "HEALTH"),
    ("GA-VACCINE", "《预防接种证》办理", "HEALTH"),
    ("GA-DOCTOR", "医师新办执业注册", "APPROVAL"),
    ("GA-DOCTOR-GONE", "医师执业注销注册", "APPROVAL"),
    ("GA-ELDER", "申领《四川省老年人优待证》", "HEALTH"),
    ("GA-SHOP", "个体工商户设立登记", "APPROVAL"),
    ("GA-COMPANY-END", "公司注销登记", "APPROVAL"),
    ("GA-FOOD", "食品小经营店备案发放", "MARKET"),
    ("GA-JOBLESS", "失业登记", "LABOUR"),
    ("GA-JOBLESS-PAY", "失业保险金申领", "LABOUR"),
    ("GA-PAUSE", "停业登记(县级行使）", "MARKET"),
    ("GA-PASSPORT", "普通护照签发", "POLICE"),
    ("GA-PENSION", "城乡居民基本养老保险待遇申领", "LABOUR"),
    ("GA-ADOPT", "中国公民收养子女登记", "HEALTH"),
]


@pytest.fixture
def catalogue():
    make_catalogue()


def make_catalogue():
    for code, short, title in [
        ("POLICE", "区公安分局", "广安市公安局广安区分局"),
        ("HEALTH", "区卫健局", "广安市广安区卫生健康局"),
        ("MARKET", "区市监局", "广安市广安区市场监督管理局"),
        ("LABOUR", "区人社局", "广安市广安区人力资源和社会保障局"),
    ]:
        make_department(code=code, short_name=short, title=title)
    publish_items(ITEMS)


def publish_items(items, department_code=None):
    """Publish a plain power for each (code, title) in `department_code`, or each (code, title,
    department code)."""
    for code, title, *department in items:
        publish_power(road_transport_licence(code=code, title=title,
                                             department_code=department_code or department[0],
                                             citations=[], tags=[], result_name=""))  # fmt: skip


def codes(query, **params):
    return [hit.document.code for hit in search_hall(query, params).hits]


def test_traditional_characters_and_full_width_letters_find_simplified_names(catalogue):
    assert codes("戶口遷移")[0] == "GA-MOVE"
    assert set(codes("醫師執業註冊")) == {"GA-DOCTOR", "GA-DOCTOR-GONE"}
    assert codes("ＧＡ-ＭＯＶＥ")[0] == "GA-MOVE"  # a code typed in full width


def test_a_sure_typo_is_corrected_and_the_page_says_so(client, catalogue):
    result = search_hall("户口签移")
    assert result.corrected_from == "户口签移" and result.searched == "户口迁移"
    assert [h.document.code for h in result.hits][0] == "GA-MOVE"

    page = client.get(reverse("search"), {"q": "户口签移"}).content.decode()
    assert "已按“<strong>户口迁移</strong>”搜索" in page
    assert (
        '仍搜索“<a href="?q=%E6%88%B7%E5%8F%A3%E7%AD%BE%E7%A7%BB&amp;exact=1">户口签移</a>”' in page
    )
    entry = SearchLogEntry.objects.get(query="户口签移")
    assert entry.corrected == "户口迁移"

    # Asked to search the words as typed, the engine does, and corrects nothing.
    exact = search_hall("户口签移", {"exact": "1"})
    assert exact.corrected_from == "" and exact.searched == "户口签移" and exact.exact
    assert "户口迁移" not in exact.words


def test_a_mistyped_character_of_a_long_word_is_corrected_by_its_shape(catalogue):
    result = search_hall("犬类准养正核发")  # 正 for 证: same sound
    assert result.hits[0].document.code == "GA-DOG"
    result = search_hall("犬类准养证核法")  # 法 for 发
    assert result.hits[0].document.code == "GA-DOG"


def test_an_everyday_word_the_catalogue_never_uses_is_not_taken_for_a_typo():
    """小区 sounds like 校区 (xiao qu); in a catalogue that says 校区 and never 小区, a citizen
    who opens a shop at the gate of the 小区 still meant 小区. Two characters that are no word
    at all (签移) are still taken for the catalogue's word that sounds the same (迁移)."""
    from search.understanding import Phrases, find_correction
    from search.vocabulary import Vocabulary, pinyin_key

    words = {"校区": 3, "迁移": 5, "户口": 5}
    vocabulary = Vocabulary(frequency=words,
                            by_sound={pinyin_key(w): [w] for w in words})  # fmt: skip
    assert find_correction("小区门口", vocabulary, Phrases()) is None
    corrected = find_correction("户口签移", vocabulary, Phrases())
    assert corrected.text == "户口迁移" and corrected.changes == [("签移", "迁移")]


def test_everyday_words_side_by_side_are_no_mistyped_long_word():
    """A citizen whose building's car park is a civil-defence shelter wants to let it for
    parking (出租停车): 出租 and 停车 are everyday words, and the query is not the catalogue's
    出租汽车 mistyped, though it differs from it in one character. A character that makes no
    word with its neighbours is still taken for a mistyped one (出租汽乍)."""
    from search.understanding import Phrases, find_correction
    from search.vocabulary import Vocabulary, _masked, pinyin_key

    words = {"出租汽车": 4, "人防工程": 2}
    shapes = {}
    for word in words:
        for position in range(len(word)):
            shapes.setdefault(_masked(word, position), []).append(word)
    vocabulary = Vocabulary(frequency=words, by_sound={pinyin_key(w): [w] for w in words},
                            by_shape=shapes)  # fmt: skip
    assert find_correction("车库是人防工程 想拿来出租停车", vocabulary, Phrases()) is None
    corrected = find_correction("出租汽乍", vocabulary, Phrases())
    assert corrected.text == "出租汽车" and corrected.changes == [("出租汽乍", "出租汽车")]


def test_a_citizen_who_does_not_tell_zh_from_z_still_finds_the_passport(client, catalogue):
    """In Sichuan, as in much of the south, zh and z, n and l, eng and en sound alike: 护照 is
    typed 护造 (hu zao). The page searches the word it sounds like and says so."""
    result = search_hall("护造怎么办")
    assert result.searched == "护照怎么办" and codes("护造怎么办") == ["GA-PASSPORT"]
    page = client.get(reverse("search"), {"q": "护造怎么办"}).content.decode()
    assert "已按“<strong>护照怎么办</strong>”搜索" in page
    # A word that sounds exactly like one of the catalogue's is still preferred to one that
    # only sounds like it with the sounds merged: 身份正 is 身份证 (shen fen zheng), even after
    # 身份 (a word of the catalogue) and with 补办 beside it.
    assert search_hall("身份正补办").searched == "身份证补办"
    assert codes("身份正补办")[0] in {"GA-ID", "GA-ID-LOST"}


def test_the_catalogues_own_words_side_by_side_are_no_typo(catalogue):
    """失业登记 differs from 停业登记 in one character, and the catalogue has 失业 and 登记 as
    words but not 失业登记 as one: it is still what the citizen meant, word for word."""
    result = search_hall("失业登记")
    assert result.corrected_from == "" and result.suggestion == ""
    assert codes("失业登记")[0] == "GA-JOBLESS"
    assert "GA-PAUSE" not in codes("失业登记")
    # A mistyped character that makes no word is still corrected to the word it resembles.
    assert search_hall("停业登计").searched == "停业登记"


def test_a_citizens_phrase_gives_way_to_the_catalogues_word_it_would_cut(catalogue):
    """想领养 (to want to adopt) is a citizen's phrase, but in 想领养老金 the 养 begins
    养老金: the retired citizen wants a pension, not a child."""
    found = codes("我刚退休 想领养老金")
    assert found[0] == "GA-PENSION" and "GA-ADOPT" not in found
    assert codes("想领养个孩子") == ["GA-ADOPT"]


def test_a_word_and_an_action_are_not_mistaken_for_a_typo(catalogue):
    result = search_hall("身份证丢了怎么补")
    assert result.corrected_from == ""
    assert codes("身份证丢了怎么补")[0] == "GA-ID-LOST"  # 丢了 ranks 挂失 first


def test_who_asks_for_nothing_to_be_closed_or_changed_wants_the_thing_itself(catalogue):
    """A driver who wants to carry passengers with their own car asks for 网约车: the licence
    for the car comes before closing the business, though that name is shorter. Who asks to
    close it, or to renew the licence (到期: 换发), finds that first."""
    publish_items([("GA-RIDE-END", "网络预约出租汽车经营注销"),
                   ("GA-RIDE-CAR", "网络预约出租汽车运输证发放（新增）"),
                   ("GA-RIDE-RENEW", "网络预约出租汽车运输证发放（换发）")], "MARKET")  # fmt: skip
    assert codes("网约车")[0] == "GA-RIDE-CAR"
    assert codes("网约车 注销")[0] == "GA-RIDE-END"
    assert codes("网约车运输证到期了")[0] == "GA-RIDE-RENEW"


def test_everyday_phrasing_finds_the_catalogues_words(catalogue):
    assert codes("家里想养条狗要办证吗") == ["GA-DOG"]
    found = codes("孩子出生了要办哪些证")
    assert {"GA-BIRTH", "GA-VACCINE"} <= set(found[:3])
    assert codes("公司不想做了要注销")[0] == "GA-COMPANY-END"
    assert codes("开个小饭馆要办什么")[0] == "GA-FOOD"
    assert set(codes("失业了")[:2]) == {"GA-JOBLESS", "GA-JOBLESS-PAY"}


def test_abbreviations_find_the_full_names(catalogue):
    assert codes("老年证")[0] == "GA-ELDER"
    assert codes("个体户")[0] == "GA-SHOP"


def test_a_departments_everyday_name_ranks_its_powers_first_without_being_required(catalogue):
    result = search_hall("卫健委 出生证明")
    assert result.department_names == ["卫健委"]
    assert result.hits[0].document.code == "GA-BIRTH"
    # 医师执业 is handled by the approvals bureau: named 卫健委, it is still found.
    assert set(codes("卫健委 医师执业注册")[:2]) == {"GA-DOCTOR", "GA-DOCTOR-GONE"}
    # The department's own short name works too, with or without 区.
    assert search_hall("人社局 失业").department_names == ["人社局"]
    assert set(codes("区人社局 失业")[:2]) == {"GA-JOBLESS", "GA-JOBLESS-PAY"}
    # Typed in pieces, as on a phone's keyboard, the name is still the department's.
    assert search_hall("人社 局 失业").department_names == ["人社局"]
    assert search_hall("卫健 委 出生证明").department_names == ["卫健委"]


def test_administrators_teach_the_search_new_phrases(catalogue):
    """A phrase nobody foresaw finds nothing; an administrator adds it as an intent (or a
    synonym), and the next search finds the power."""
    assert codes("遛弯的狗牌") == []
    Intent.objects.create(phrases="狗牌", words="犬类准养证")
    assert codes("遛弯的狗牌") == ["GA-DOG"]

    assert codes("打针本") == []
    Synonym.objects.create(terms="打针本、预防接种证")
    assert codes("打针本")[0] == "GA-VACCINE"


def test_a_query_with_nothing_but_filler_still_finds_nothing_rather_than_everything(catalogue):
    result = search_hall("我想问一下")
    assert result.total == 0


def test_the_json_says_what_was_searched(client, catalogue):
    data = client.get(reverse("search_json"), {"q": "户口签移"}).json()
    assert data["corrected_from"] == "户口签移" and data["searched"] == "户口迁移"
    assert data["hits"][0]["code"] == "GA-MOVE"
    data = client.get("/api/v3/search/", {"q": "户口签移", "exact": "true"}).json()
    assert data["corrected_from"] == "" and data["searched"] == "户口签移"


@pytest.mark.django_db(transaction=True)
def test_a_newly_published_word_is_learnt_without_making_a_search_wait(settings):
    import search.vocabulary as vocabulary

    load_base_data()  # a transactional test starts from an empty database
    make_catalogue()

    settings.SEARCH_VOCABULARY_REFRESH_SECONDS = 0
    vocabulary.index_changed()
    assert not vocabulary.current().in_names("船舶")  # this process has a vocabulary

    settings.SEARCH_VOCABULARY_REFRESH_SECONDS = 60
    vocabulary._built_at = float("-inf")  # a minute has passed
    boat = {"citations": [], "tags": [], "department_code": "APPROVAL"}
    publish_power(road_transport_licence(code="NY-BOAT", title="渔业船舶登记", **boat))
    old = vocabulary.current()  # answers at once with what it had, and builds the new one aside
    assert not old.in_names("船舶")
    for _ in range(200):
        if not vocabulary._rebuilding.is_set():
            break
        time.sleep(0.05)
    assert vocabulary.current().in_names("船舶")


def test_a_word_published_after_the_cache_was_lost_is_still_learnt(catalogue):
    """Redis restarted (the shared cache lost the index's generation) and a power was
    published since, twice: a process that built its vocabulary between learns the new word.
    (A generation counted again from the start meets the old vocabulary's number.)"""
    from django.core.cache import cache

    import search.vocabulary as vocabulary

    def restart_and_publish(code, title):
        cache.delete(vocabulary.GENERATION_KEY)
        publish_power(road_transport_licence(code=code, title=title, citations=[], tags=[],
                                             department_code="APPROVAL"))  # fmt: skip

    restart_and_publish("NJ-MACHINE", "农业机械登记")
    assert vocabulary.current().in_names("农业机械")
    restart_and_publish("NY-BOAT", "渔业船舶登记")
    assert vocabulary.current().in_names("船舶")
    assert codes("渔业船舶")[0] == "NY-BOAT"


def test_how_a_citizen_says_apply_is_not_required_of_the_item(catalogue):
    # 领取 is a word of the catalogue (一次性抚恤金领取), but the 老年证 item says 申领.
    publish_power(road_transport_licence(code="MZ-PENSION", title="一次性抚恤金领取",
                                         department_code="APPROVAL", citations=[], tags=[],
                                         result_name=""))  # fmt: skip
    result = search_hall("老年证怎么领取")
    assert not result.partial
    assert [hit.document.code for hit in result.hits] == ["GA-ELDER"]
    # and where the item does use it, the word still counts
    assert codes("抚恤金领取")[0] == "MZ-PENSION"


def test_a_life_event_in_the_query_shows_its_topic_first_and_ranks_its_items_first(catalogue):
    make_topic(("GA-BIRTH", ""), ("GA-VACCINE", ""), ("GA-MOVE", "上户口"),
               keywords="孩子出生、生孩子、新生儿、出生证明")  # fmt: skip
    make_topic(("GA-SHOP", ""), title="个体户开业一件事", slug="shop", keywords="开个体户、开店",
               summary="开店的人先办营业执照，再办其他。", audience="个人")  # fmt: skip
    result = search_hall("孩子出生了要办哪些证")
    assert [hit.document.title for hit in result.topics] == ["新生儿出生一件事"]
    assert {hit.document.code for hit in result.hits[:2]} == {"GA-BIRTH", "GA-VACCINE"}

    # A topic that only mentions the words in its text is not put above the powers; one whose
    # name has them is.
    assert search_hall("营业执照").topics == []
    assert [hit.document.title for hit in search_hall("开个体户").topics] == ["个体户开业一件事"]
    # Nor one that shares a single short word with a sentence about something else (证明, of
    # its 出生证明); named by two words of the query, it is shown.
    assert search_hall("家里养的猪要卖到外省 要检疫的证明").topics == []
    assert [hit.document.title for hit in search_hall("出生 证明").topics] == ["新生儿出生一件事"]


def test_asking_what_a_life_event_takes_lists_all_its_items_first(client, catalogue):
    """孩子出生了要办哪些手续: the topic's items lead the results in the topic's order, though
    户口迁移审批 has none of the words; the count, the facets and the second page account for
    them. Asking which licence is answered by the words."""
    make_topic(("GA-MOVE", "上户口"), ("GA-BIRTH", ""), ("GA-VACCINE", ""))
    for number in range(25):
        publish_power(road_transport_licence(code=f"BIRTH-{number:02}",
                                             title=f"出生医学证明补发第{number}类",
                                             department_code="HEALTH", citations=[], tags=[],
                                             result_name=""))  # fmt: skip
    result = search_hall("孩子出生了要办哪些手续")
    assert [hit.document.code for hit in result.hits[:3]] == ["GA-MOVE", "GA-BIRTH", "GA-VACCINE"]
    assert "GA-MOVE" not in codes("孩子出生了")
    assert result.total == codes_total("孩子出生了") + 1
    police = next(f for f in result.facets["dept"] if f.value == "POLICE")
    assert police.count == 1
    # The next page goes on where the first stopped: no power twice, none left out.
    second = search_hall("孩子出生了要办哪些手续", page_number=2)
    shown = [hit.document.code for hit in [*result.hits, *second.hits]]
    assert len(shown) == len(set(shown)) == result.total
    # Within a department, the items of other departments are not listed.
    health = codes("孩子出生了要办哪些手续", dept="HEALTH")
    assert "GA-MOVE" not in health and health[:2] == ["GA-BIRTH", "GA-VACCINE"]

    # The page says so; the API says how many lead.
    page = client.get(reverse("search"), {"q": "孩子出生了要办哪些手续"}).content.decode()
    assert "先列出这件事要办的 3 个事项" in page
    data = client.get("/api/v3/search/", {"q": "孩子出生了要办哪些手续"}).json()
    assert data["listed"] == 3 and data["hits"][0]["code"] == "GA-MOVE"

    # Naming the event as the national programme does (高效办成一件事) asks the same.
    assert codes("新生儿出生一件事")[:3] == ["GA-MOVE", "GA-BIRTH", "GA-VACCINE"]
    assert search_hall("新生儿出生一件事").words == ["新生儿", "出生"]  # not 一件, 事

    # Which licence: the words answer, as before.
    licences = codes("孩子出生了要办什么证")
    assert "GA-BIRTH" in licences and "GA-MOVE" not in licences


def codes_total(query, **params):
    return search_hall(query, params).total


def test_an_action_said_across_the_segmenters_words_still_counts(catalogue):
    """档案要调走 is cut 要调 / 走; 调走 still says 转出, and ranks the archive's transfer first.
    The catalogue's own words count only as words: 出生证明 does not ask for a 证明 to be
    issued."""
    publish_items(
        [
            ("DA-IN", "档案接收"),
            ("DA-ADD", "档案材料补充"),
            ("DA-OUT", "流动人员人事档案转出"),
            ("DA-PROOF", "依据档案记载出具证明"),
        ],
        "LABOUR",
    )
    assert codes("档案要调走")[0] == "DA-OUT"
    assert codes("档案转出")[0] == "DA-OUT"
    assert codes("出生证明")[0] == "GA-BIRTH"


def test_a_citizens_phrase_with_a_narrowing_word_still_shows_what_the_phrase_asks_for(
    client, catalogue
):
    """暂停营业 燃气: of the items for closing a while, only the gas permit has 燃气; it leads,
    and the others a shopkeeper closing for a while needs follow (the tax office's 停业登记,
    the registration's 歇业备案), counted and on the page. Said in the catalogue's own words
    (停业 燃气), the query stays as narrow as it is."""
    publish_items(
        [
            ("GAS-PAUSE", "燃气经营者停业、歇业审批", "MARKET"),
            ("TAX-PAUSE", "停业登记(县级行使）", "LABOUR"),
            ("SHOP-PAUSE", "市场主体歇业备案", "MARKET"),
            ("GAS-NEW", "燃气经营许可证核发", "MARKET"),
        ]
    )
    result = search_hall("暂停营业 燃气")
    found = [hit.document.code for hit in result.hits]
    assert found[0] == "GAS-PAUSE" and {"TAX-PAUSE", "SHOP-PAUSE"} <= set(found)
    assert "GAS-NEW" not in found and result.total == len(found) and not result.partial
    assert sum(f.count for f in result.facets["dept"]) == result.total
    # The page says which results have every word and what found the others.
    assert result.widened == ["暂停营业"] and result.loosened == ["燃气"]
    assert result.leading == 1
    page = client.get("/search/", {"q": "暂停营业 燃气"}).content.decode()
    assert "有“燃气”的事项只有前 1 个；其后的事项按“暂停营业”找到，不一定有“燃气”。" in page
    assert "中有“暂停营业”“燃气”的事项" not in page  # what the rest have in their names
    # An integrator asking the API gets the same.
    data = client.get("/api/v3/search/", {"q": "暂停营业 燃气"}).json()
    assert [hit["code"] for hit in data["hits"]] == found and data["total"] == result.total
    assert data["widened"] == ["暂停营业"] and data["loosened"] == ["燃气"]
    assert data["leading"] == 1

    # Within the tax office's powers, none has 燃气: the page says so.
    taxes = client.get("/search/", {"q": "暂停营业 燃气", "dept": "LABOUR"}).content.decode()
    assert "所选范围内没有有“燃气”的事项；以下事项按“暂停营业”找到，不一定有“燃气”。" in taxes
    assert "TAX-PAUSE" in taxes and "GAS-PAUSE" not in taxes

    narrow = search_hall("停业 燃气")
    assert [hit.document.code for hit in narrow.hits] == ["GAS-PAUSE"]
    assert narrow.widened == narrow.loosened == [] and narrow.leading == 0
    assert "其后的事项" not in client.get("/search/", {"q": "停业 燃气"}).content.decode()


def test_two_citizens_phrases_that_few_powers_answer_together_show_what_either_asks_for(
    client, catalogue
):
    """开饭馆 办健康证: someone opening a restaurant needs the food licence and the staff's
    health certificates. Few powers have both (here one penalty that names both); it leads,
    and what either phrase finds follows, rather than that one power alone."""
    publish_items(
        [
            ("FOOD-PENALTY", "对食品经营者安排未取得健康证明的人员从事接触直接入口食品工作的处罚"),
            ("HEALTH-CERT", "食品行业从业人员预防性体检合格证办理"),
            ("FOOD-LICENCE", "食品经营许可核发"),
        ],
        "MARKET",
    )
    result = search_hall("开饭馆 办健康证")
    found = [hit.document.code for hit in result.hits]
    assert found[0] == "FOOD-PENALTY"
    assert {"HEALTH-CERT", "FOOD-LICENCE", "GA-FOOD"} <= set(found) and not result.partial
    assert "GA-DOG" not in found and result.total == len(found)
    assert result.widened == ["开饭馆", "办健康证"] and result.loosened == []
    assert result.leading == 1
    page = client.get("/search/", {"q": "开饭馆 办健康证"}).content.decode()
    assert "同时与“开饭馆”“办健康证”相关的事项只有前 1 个；其后的事项只与其中之一相关。" in page
    assert "中有“开饭馆”或“办健康证”的事项" in page


def test_with_two_phrases_elasticsearch_is_asked_for_either():
    """The widened query of two phrases (intent_alone) asks Elasticsearch for powers with any
    one of them, as the database does; with one phrase and a narrowing word, for the phrase."""
    from search.es_hall import power_search_body
    from search.understanding import compile_lexicon, intent_alone, understand
    from search.vocabulary import build

    vocabulary = build(["食品 经营 许可", "预防性 体检 合格证", "燃气"], [])
    intents = {"开饭馆": ["食品经营"], "办健康证": ["预防性体检合格证"], "暂停营业": ["停业"]}
    lexicon = compile_lexicon(vocabulary=vocabulary, groups=[], aliases={}, intents=intents)

    def required(understood):
        body = power_search_body(understood.words, groups=understood.groups, filters={},
                                 soft=understood.soft, any_word=understood.either)  # fmt: skip
        return body["query"]["function_score"]["query"]["bool"]

    asked = understand("开饭馆 办健康证", lexicon)
    assert len(required(asked)["must"]) == 2  # as said: both
    wider = intent_alone(asked)
    (either,) = required(wider)["must"]
    assert wider.either and either["bool"]["minimum_should_match"] == 1
    assert len(either["bool"]["should"]) == 2
    assert "开饭馆" in str(either) and "办健康证" in str(either)

    narrowed = intent_alone(understand("暂停营业 燃气", lexicon))
    assert not narrowed.either and narrowed.soft >= {"燃气"}
    assert intent_alone(understand("开饭馆", lexicon)) is None


def test_a_situation_said_in_other_words_than_the_lexicons_is_still_understood(client, catalogue):
    """转外地医院看病: no phrase of the lexicon is in it whole, but its words are those of the
    lexicon's 在外地看病, 转到外地医院, 外地就医 (异地就医, 异地转诊, 外出就医). As said, the
    query finds nothing; read as those phrases are, it finds the referrals, and the page says
    how it read it."""
    publish_items(
        [
            ("MED-REFERRAL", "异地转诊人员备案"),
            ("MED-AWAY", "其他临时外出就医人员备案"),
            ("MED-CARD", "社会保障卡申领"),
        ],
        "LABOUR",
    )
    result = search_hall("转外地医院看病")
    found = [hit.document.code for hit in result.hits]
    assert set(found) == {"MED-REFERRAL", "MED-AWAY"} and result.total == 2
    assert result.guessed == ["外地", "医院", "看病"] and "异地转诊" in result.guessed_as
    page = client.get("/search/", {"q": "转外地医院看病"}).content.decode()
    assert "已把“外地医院看病”按“异地就医”“异地转诊”“外出就医”等说法查找。" in page
    data = client.get("/api/v3/search/", {"q": "转外地医院看病"}).json()
    assert [hit["code"] for hit in data["hits"]] == found
    assert data["guessed"] == ["外地", "医院", "看病"] and "异地就医" in data["guessed_as"]

    # Said in the catalogue's own words, nothing is guessed; nor from one word the lexicon's
    # phrases happen to share (外地 alone is in a dozen of them).
    plain = search_hall("异地转诊")
    assert plain.guessed == [] and [hit.document.code for hit in plain.hits] == ["MED-REFERRAL"]
    assert search_hall("外地 社保卡").guessed == []
    assert "已把" not in client.get("/search/", {"q": "异地转诊"}).content.decode()


def test_a_guessed_situation_is_asked_of_elasticsearch_as_the_rule_reads_it():
    """The guess (Situations, over the built-in lexicon's rules) is part of the understanding:
    Elasticsearch is asked for the rule's words as the database is."""
    from search.es_hall import power_search_body
    from search.query import intent_rules
    from search.understanding import compile_lexicon, understand
    from search.vocabulary import build

    vocabulary = build(["异地 就医 备案", "异地 转诊 人员 备案", "犬类 准养证"], [])
    lexicon = compile_lexicon(vocabulary=vocabulary, groups=[], aliases={},
                              intents=intent_rules())  # fmt: skip

    asked = understand("转外地医院看病", lexicon)
    guess = asked.guess
    assert guess is not None and guess.saying == ["外地", "医院", "看病"]
    body = power_search_body(guess.words, groups=guess.groups, filters={}, soft=guess.soft)
    (must,) = body["query"]["function_score"]["query"]["bool"]["must"]
    assert "异地就医" in str(must) and "异地转诊" in str(must)
    # In the catalogue's own words nothing is guessed.
    assert understand("异地就医备案", lexicon).guess is None


def test_of_two_powers_with_the_word_the_one_named_by_it_alone_comes_first(catalogue):
    """社会保障卡: the card's application (社会保障卡申领) before the longer-named powers that
    also have the word, on either database (PostgreSQL's ts_rank counts the words alone; the
    rank is divided by the name's length, as bm25 does on SQLite)."""
    publish_items(
        [
            ("CARD-REPLACE", "社会保障卡补领、换领、换发"),
            ("CARD-NEW", "社会保障卡申领"),
        ],
        "LABOUR",
    )
    assert codes("社会保障卡") == ["CARD-NEW", "CARD-REPLACE"]
    # Asked for a replacement, the replacement comes first whatever its name's length.
    assert codes("社会保障卡补领")[0] == "CARD-REPLACE"


def test_a_possessive_that_splits_the_catalogues_word_is_read_through(catalogue):
    """本地居住的证件: the citizen's 的 cuts 居住证 in two; read without it, the query finds the
    residence permit. A 的 that cuts no word of the catalogue stays (我的身份证)."""
    publish_items(
        [("GA-RESIDENCE", "居住证办理"), ("GA-AWAY-LONG", "异地长期居住人员备案")], "POLICE"
    )
    assert codes("本地居住的证件") == ["GA-RESIDENCE"]  # not everything about 居住
    assert codes("我的身份证丢了")[0] == "GA-ID-LOST"

    # Near the start of the query too: only a word the 的 really cuts counts (烟的证明 has
    # none, though 证明 is a word of the names).
    from search.understanding import _possessives_joined
    from search.vocabulary import build

    names = build(["居住证 办理", "证明"], [])
    assert _possessives_joined("烟的证明", names) == "烟的证明"
    assert _possessives_joined("居住的证件", names) == "居住证件"


def test_a_sentence_is_not_lost_for_one_word_the_power_lacks(client, catalogue):
    """我家养的猪要卖到外省去 说要检疫的证明: one power has both 检疫 and 证明 (the plants'
    certificate), the one wanted (the animals' 检疫合格证) has no 证明. The power with every
    word leads; the others with some of them follow, and the page says so. Before, the search
    stopped at the one."""
    publish_items(
        [
            ("GA-PLANT-QUAR", "植物检疫证明书核发"),
            ("GA-ANIMAL-QUAR", "动物及动物产品检疫合格证核发"),
            ("GA-FARM", "农作物种子生产经营许可"),
            ("GA-MARRY", "中国内地公民婚姻登记"),
            ("GA-DIVORCE", "离婚登记预约"),
        ],
        "LABOUR",
    )
    query = "我家养的猪要卖到外省去 说要检疫的证明"
    result = search_hall(query)
    found = [hit.document.code for hit in result.hits]
    assert found[0] == "GA-PLANT-QUAR" and "GA-ANIMAL-QUAR" in found and "GA-FARM" not in found
    assert result.widened == ["检疫", "证明"] and result.leading == 1
    page = client.get(reverse("search"), {"q": query}).content.decode()
    assert "同时与“检疫”“证明”相关的事项只有前 1 个；其后的事项只与其中之一相关。" in page
    # Two words are a query, not a sentence: 检疫 证明 finds what has both.
    assert codes("检疫 证明") == ["GA-PLANT-QUAR"]
    # A power's whole name in four words names that power: nothing is added after it.
    named = search_hall("中国内地公民婚姻登记")
    assert [hit.document.code for hit in named.hits] == ["GA-MARRY"] and named.widened == []


def test_a_licence_to_reissue_finds_that_licence_not_everything_reissued(catalogue):
    """营业执照补办: the citizen wants the business licence again. 补办 is one of the words for
    reissuing (补领, 补发), which are in the names of every card and certificate a district
    reissues: inside the phrase it only ranks, as an action does, and the licence (营业执照 or
    its synonyms) must be there. An unknown word with a synonym inside still finds by it."""
    publish_items(
        [
            ("MK-LICENCE-LOST", "营业执照遗失补领、申请增加、减少证照", "MARKET"),
            ("CARD-LOST", "社会保障卡补领、换领、换发", "LABOUR"),
            ("CERT-LOST", "《出生医学证明》补发", "HEALTH"),
        ]
    )
    found = codes("营业执照补办")
    assert found[0] == "MK-LICENCE-LOST"
    assert "CARD-LOST" not in found and "CERT-LOST" not in found
    assert codes("办狗证") == ["GA-DOG"]


def test_how_old_a_citizen_says_someone_is_is_not_a_word_to_find(catalogue):
    """我妈今年65了 还能领养老金不: 65 is her age; no power's name has it."""
    result = search_hall("我妈今年65了 城乡居民养老保险待遇")
    assert result.hits[0].document.code == "GA-PENSION" and not result.partial


def test_in_a_citys_catalogue_a_broad_word_of_a_sentence_only_ranks(catalogue, monkeypatch):
    """孩子生病想休学 学校说要审批: one power has both 休学 and 要审批 (the citizen's 审批), and
    what either finds follows it. In a city's catalogue 审批 is in 19,000 names: the search
    would read most of the catalogue to list every 审批 behind the one wanted. There a broad
    word only ranks, and the narrower words find the powers. (BROAD_NAMES is 2,000; here five
    names make 审批 broad.)"""
    import search.understanding

    publish_items(
        [
            ("GA-DEFER", "适龄儿童因身体状况延缓入学或者休学审批"),
            ("GA-BUILD", "建设工程消防设计审批"),
            ("GA-FIREWORK", "烟花爆竹经营审批"),
            ("GA-ADS", "户外广告设置审批"),
        ],
        "HEALTH",
    )
    query = "孩子生病想休学 学校说要审批"
    everything = search_hall(query)  # 审批 is not broad among these few powers
    assert everything.hits[0].document.code == "GA-DEFER" and everything.total > 4

    monkeypatch.setattr(search.understanding, "BROAD_NAMES", 3)
    narrowed = search_hall(query)
    assert [hit.document.code for hit in narrowed.hits] == ["GA-DEFER"] and narrowed.total == 1
    # Said alone, a broad word is still what is searched.
    assert search_hall("审批").total == 5  # with 户口迁移审批


def test_in_a_citys_catalogue_a_word_of_the_laws_language_in_a_sentence_only_ranks(
    catalogue, monkeypatch
):
    """孩子生病想休学 学校能不能直接批: 直接 is in 2 names of a city's 100,000 powers but in the
    legal basis of 10,000. Found there, it would list thousands behind the one wanted: a word in
    many times more powers' legal basis than names is the laws' language, and in a sentence it
    only ranks. (Here, in 5 powers against 1 name, with the thresholds lowered to match.)"""
    import search.understanding
    import search.vocabulary
    from catalogue.data import CitationData

    monkeypatch.setattr(search.vocabulary, "WIDE_DOCUMENTS", 3)
    monkeypatch.setattr(search.understanding, "BROAD_NAMES", 3)
    direct = [CitationData(law_title="中华人民共和国行政许可法", articles="第三十四条",
                           quote="能够当场作出决定的，应当直接作出书面的行政许可决定")]  # fmt: skip
    publish_items([("GA-DEFER", "适龄儿童因身体状况延缓入学或者休学审批", "HEALTH"),
                   ("GA-FOREST", "森林经营单位修筑直接为林业生产服务的工程设施占用林地审批",
                    "HEALTH")])  # fmt: skip
    for code, title in [("GA-FIREWORK", "烟花爆竹经营许可"), ("GA-ADS", "户外广告设置许可"),
                        ("GA-WATER", "取水许可"), ("GA-ROAD", "道路货物运输经营许可")]:  # fmt: skip
        data = road_transport_licence(code=code, title=title, department_code="HEALTH",
                                      citations=direct, tags=[], result_name="")  # fmt: skip
        publish_power(data)
    query = "孩子生病想休学 学校能不能直接批"
    everything = search_hall(query)  # 直接 is as much in names as in legal bases
    assert everything.hits[0].document.code == "GA-DEFER" and everything.total >= 5

    monkeypatch.setattr(search.vocabulary, "LEGAL_LANGUAGE", 2)
    search.vocabulary.index_changed()
    narrowed = search_hall(query)
    assert [hit.document.code for hit in narrowed.hits] == ["GA-DEFER"] and narrowed.total == 1
    # Said alone, it is still what is searched.
    assert search_hall("直接").total >= 5


def test_in_a_citys_catalogue_asking_whether_it_needs_approval_does_not_list_every_approval(
    catalogue, monkeypatch
):
    """收农民的粮食转卖 要不要先报备: 报备 stands for every kind of approval (备案, 登记, 许可…).
    In a small catalogue the few powers with every word lead and what the phrase alone finds
    follows. In a city's, the phrase alone finds most of the catalogue (87,000 of 100,000,
    300 ms): the narrower words find the rest, and the phrase ranks them. (Here BROAD_NAMES
    is lowered to match six powers.)"""
    import search.understanding

    publish_items([("GA-SUBSIDY", "种粮农民粮食补贴发放"), ("GA-GRAIN", "粮食收购资格备案"),
                   ("GA-FARMERS", "农民专业合作社设立登记"), ("GA-FIREWORK", "烟花爆竹经营许可"),
                   ("GA-ADS", "户外广告设置许可"), ("GA-WATER", "取水许可")], "MARKET")  # fmt: skip
    query = "收农民的粮食转卖 要不要先报备"
    small = codes(query)
    assert small[0] == "GA-SUBSIDY" and {"GA-GRAIN", "GA-FIREWORK"} <= set(small)

    monkeypatch.setattr(search.understanding, "BROAD_NAMES", 3)
    city = search_hall(query)
    found = [hit.document.code for hit in city.hits]
    assert found[0] == "GA-SUBSIDY" and {"GA-GRAIN", "GA-FARMERS"} <= set(found)
    assert "GA-FIREWORK" not in found and city.widened == ["农民", "粮食"]


def test_a_working_day_of_publications_counts_the_laws_words_now_and_then(monkeypatch):
    """Each publication changes the index, and every process rebuilds its vocabulary. Counting
    the laws' words (wide_words) costs the database seconds in a city's catalogue, and the
    counts barely move with one publication: they are counted once for every process, again
    only once they are WIDE_WORDS_MAX_AGE old, by one process while the others go on with
    the counts there are."""
    from django.core.cache import cache

    import search.vocabulary
    from search.vocabulary import WIDE_WORDS_KEY, index_changed, wide_words

    counted = []
    monkeypatch.setattr(search.vocabulary, "_count_wide_words",
                        lambda: counted.append(1) or {"直接": 10_000 + len(counted)})  # fmt: skip
    assert wide_words() == {"直接": 10_001} and len(counted) == 1
    for _ in range(5):  # a morning's publications
        index_changed()
        assert wide_words() == {"直接": 10_001}
    assert len(counted) == 1

    monkeypatch.setattr(search.vocabulary, "WIDE_WORDS_MAX_AGE", 0)  # they are old now
    index_changed()
    cache.add(f"{WIDE_WORDS_KEY}:counting", 1)  # another process is counting them
    assert wide_words() == {"直接": 10_001} and len(counted) == 1
    cache.delete(f"{WIDE_WORDS_KEY}:counting")
    assert wide_words() == {"直接": 10_002} and len(counted) == 2
    assert wide_words() == {"直接": 10_002} and len(counted) == 2  # this generation's


def test_a_document_named_beside_a_phrase_is_asked_for_too(catalogue):
    """娃儿读书要个居住证: the phrase 读书 (入学) and the catalogue's own 居住证 are two things
    asked for. One power has both; after it, what either finds follows: the residence permit
    itself, not only the schools."""
    publish_items(
        [
            ("GA-SCHOOL-PERMIT", "进城务工人员随迁子女凭居住证入学申请"),
            ("GA-RESIDENCE", "居住证办理"),
            ("GA-SCHOOL", "学前教育、义务教育阶段入学办理"),
        ],
        "HEALTH",
    )
    result = search_hall("在广安打工好几年了 娃儿读书要个居住证")
    found = [hit.document.code for hit in result.hits]
    assert found[0] == "GA-SCHOOL-PERMIT" and {"GA-RESIDENCE", "GA-SCHOOL"} <= set(found)
    assert result.widened == ["读书", "居住证"] and result.leading == 1


def test_registering_a_cooperative_is_setting_it_up(catalogue):
    """注册 is how citizens say 设立 (the catalogue keeps 注册 for doctors and nurses): it is
    not required of a result but ranks the cooperative's 设立登记 first. Before, no power had
    注册 and the search fell back to any one word."""
    publish_items(
        [
            ("GA-COOP-END", "农民专业合作社（联合社）注销登记"),
            ("GA-COOP", "农民专业合作社（联合社）设立登记"),
        ],
        "MARKET",
    )
    result = search_hall("农名专业合作社注册")  # 名 for 民, too
    assert not result.partial and result.hits[0].document.code == "GA-COOP"
    assert codes("医师 注册")[0] in {"GA-DOCTOR", "GA-DOCTOR-GONE"}
