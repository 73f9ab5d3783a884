"""Writing powers through the one service that the demo loader, the import and the API share."""

import pytest
from wagtail.models import PageLogEntry, Revision

from catalogue.choices import PowerType
from catalogue.models import PowerPage
from catalogue.services import (
    CatalogueError,
    CitationData,
    PowerData,
    power_upsert,
    powers_bulk_upsert,
)
from tests.factories import make_user, road_transport_licence

pytestmark = pytest.mark.django_db


def test_a_new_power_is_a_draft_revision_by_its_editor_until_published():
    editor = make_user()
    result = power_upsert(data=road_transport_licence(), user=editor)
    assert result.outcome == "created"
    page = PowerPage.objects.get(code=road_transport_licence().code)
    assert not page.live
    revision = page.latest_revision
    assert revision.user == editor
    actions = set(PageLogEntry.objects.filter(page=page).values_list("action", flat=True))
    assert {"wagtail.create", "wagtail.edit"} <= actions
    assert page.get_parent().specific.short_name == "区交通运输局"
    assert page.slug == page.code.lower()


def test_publishing_makes_the_citations_link_to_the_library():
    result = power_upsert(data=road_transport_licence(), publish=True)
    page = PowerPage.objects.get(pk=result.page.pk)
    assert page.live
    bases = list(page.legal_bases.select_related("law"))
    assert [b.law.short_title for b in bases] == ["道路运输条例", "行政许可法"]
    # the newest version of the regulation, the one in force, is the one cited
    assert str(bases[0].law.version_date) == "2023-07-20"
    assert result.warnings == []


def test_citations_keep_the_order_the_department_gave_them_whatever_the_database():
    """Every basis is stored with its place: the public page and the next comparison read them
    in the order given, not in whatever order the database returns rows that sort alike."""
    data = road_transport_licence()
    data.citations.reverse()
    page = power_upsert(data=data, publish=True).page
    stored = list(page.legal_bases.values_list("sort_order", "law__short_title"))
    assert stored == [(0, "行政许可法"), (1, "道路运输条例")]
    assert power_upsert(data=data, publish=True).outcome == "unchanged"


def test_the_same_data_twice_writes_no_new_revision():
    power_upsert(data=road_transport_licence(), publish=True)
    revisions = Revision.objects.count()
    result = power_upsert(data=road_transport_licence(), publish=True)
    assert result.outcome == "unchanged"
    assert Revision.objects.count() == revisions


def test_a_change_is_a_new_revision_that_stays_off_the_public_page_until_approved():
    page = power_upsert(data=road_transport_licence(), publish=True).page
    editor = make_user()
    result = power_upsert(
        data=PowerData(code=page.code, department_code="TRANSPORT", promised_time_limit=3),
        user=editor,
    )
    assert result.outcome == "changed"
    stored = PowerPage.objects.get(pk=page.pk)
    assert stored.promised_time_limit == 5  # the live content is untouched
    assert stored.has_unpublished_changes
    draft = stored.get_latest_revision_as_object()
    assert draft.promised_time_limit == 3
    assert draft.title == "道路货物运输经营许可"  # fields not given are kept
    assert stored.latest_revision.user == editor


def test_a_law_missing_from_the_library_is_kept_as_text_with_a_warning():
    data = road_transport_licence(
        citations=[CitationData(law_title="《四川省道路运输条例》", articles="第十条", quote="……")]
    )
    result = power_upsert(data=data, publish=True)
    basis = PowerPage.objects.get(pk=result.page.pk).legal_bases.get()
    assert basis.law is None
    assert basis.law_title == "四川省道路运输条例"
    assert result.warnings == ["法规库中没有《四川省道路运输条例》，已按文本保存。"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"department_code": "NOPE"}, "未知的实施主体"),
        ({"power_type": "99"}, "未知的事项类型"),
        ({"code": "  "}, "事项编码不能为空"),
        ({"title": None}, "必须有事项名称"),
    ],
)
def test_bad_data_is_refused_in_chinese_and_nothing_is_written_corrected_it_is(changes, message):
    before = PowerPage.objects.count()
    with pytest.raises((CatalogueError, ValueError), match=message):
        power_upsert(data=road_transport_licence(**changes))
    assert PowerPage.objects.count() == before
    assert power_upsert(data=road_transport_licence()).outcome == "created"
    assert PowerPage.objects.count() == before + 1


def test_a_promised_limit_longer_than_the_legal_one_is_refused_an_equal_one_is_not():
    with pytest.raises(Exception, match="承诺办结时限不得长于法定办结时限"):
        power_upsert(data=road_transport_licence(promised_time_limit=30))
    assert not PowerPage.objects.filter(code=road_transport_licence().code).exists()
    power_upsert(data=road_transport_licence(promised_time_limit=20))
    assert PowerPage.objects.get(code=road_transport_licence().code).promised_time_limit == 20


def test_a_bulk_write_is_all_or_nothing():
    good = road_transport_licence()
    bad = road_transport_licence(code="OTHER-CODE", department_code="NOPE")
    with pytest.raises(CatalogueError):
        powers_bulk_upsert([good, bad], publish=True)
    assert not PowerPage.objects.filter(code__in=[good.code, "OTHER-CODE"]).exists()
    # without the bad item, the batch is written
    assert powers_bulk_upsert([good], publish=True).created == 1
    assert PowerPage.objects.get(code=good.code).live


def test_type_accepts_national_codes_and_names():
    assert PowerType.parse("1") == PowerType.LICENSING
    assert PowerType.parse("行政处罚") == PowerType.PENALTY
    assert PowerType.parse(20) == PowerType.PUBLIC_SERVICE
    with pytest.raises(ValueError, match="未知的事项类型"):
        PowerType.parse("行政许可证")


def test_moving_a_power_to_another_department_keeps_its_code():
    page = power_upsert(data=road_transport_licence(), publish=True).page
    result = power_upsert(data=PowerData(code=page.code, department_code="APPROVAL"), publish=True)
    assert result.outcome == "changed"
    moved = PowerPage.objects.get(pk=page.pk)
    assert moved.get_parent().specific.code == "APPROVAL"
    assert moved.code == page.code


def test_a_code_with_spaces_or_chinese_characters_is_refused_letters_and_digits_are_not():
    with pytest.raises(Exception, match="编码只能由字母、数字"):
        power_upsert(data=road_transport_licence(code="交通 001"))
    assert not PowerPage.objects.filter(code="交通 001").exists()
    power_upsert(data=road_transport_licence(code="JT-001"))
    assert PowerPage.objects.filter(code="JT-001").exists()


def test_no_write_slips_in_while_the_legal_office_reviews_one_goes_in_after():
    from review.services import power_submit, review_approve
    from tests.factories import department_editor, legal_office_user

    page = power_upsert(data=road_transport_licence(), publish=True).page
    editor = department_editor()
    power_upsert(data=PowerData(code=page.code, department_code="TRANSPORT", result_name="甲"),
                 user=editor)  # fmt: skip
    power_submit(power=page, user=editor)
    later = PowerData(code=page.code, department_code="TRANSPORT", result_name="未经审核")
    with pytest.raises(CatalogueError, match="正在法制办审核中"):
        power_upsert(data=later, user=editor)
    assert PowerPage.objects.get(pk=page.pk).get_latest_revision_as_object().result_name == "甲"

    review_approve(power=page, user=legal_office_user())
    assert power_upsert(data=later, user=editor).outcome == "changed"
    draft = PowerPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert draft.result_name == "未经审核"


def test_moving_a_public_power_needs_publishing_rights():
    page = power_upsert(data=road_transport_licence(), publish=True).page
    moved = PowerData(code=page.code, department_code="APPROVAL")
    with pytest.raises(CatalogueError, match="变更实施主体"):
        power_upsert(data=moved)
    assert PowerPage.objects.get(pk=page.pk).get_parent().specific.code == "TRANSPORT"
    power_upsert(data=moved, user=make_user("root", superuser=True), publish=True)
    assert PowerPage.objects.get(pk=page.pk).get_parent().specific.code == "APPROVAL"


def test_every_path_checks_a_step_as_the_admin_form_does():
    """A step with an unknown decision branch or an impossible limit is refused by the service
    the import, the API and the demo loader share, one at a time or in bulk; nothing is written."""
    good = road_transport_licence(
        steps=[
            {
                "name": "受理",
                "post": "窗口受理岗",
                "time_limit": 1,
                "outcomes": ["approve", "correction"],
            }
        ]  # fmt: skip
    )
    power = power_upsert(data=good, publish=True).page
    assert PowerPage.objects.get(pk=power.pk).steps[0].value["outcomes"] == [
        "approve",
        "correction",
    ]
    revisions = Revision.objects.count()
    for step, message in (
        ({"name": "受理", "outcomes": ["移送"]}, "决定分支"),
        ({"name": "受理", "time_limit": 9999}, "时限"),
        ({"name": "", "post": "窗口受理岗"}, "环节名称"),
    ):
        with pytest.raises(CatalogueError, match=message):
            power_upsert(data=road_transport_licence(steps=[step]), publish=True)
        with pytest.raises(CatalogueError, match=message):  # the whole batch, all or nothing
            powers_bulk_upsert([road_transport_licence(code="BULK-BAD", steps=[step])])
    assert Revision.objects.count() == revisions
    assert not PowerPage.objects.filter(code="BULK-BAD").exists()
    # The same data written again compares unchanged (no new revision).
    assert power_upsert(data=good, publish=True).outcome == "unchanged"
