"""When the law changes, the powers that cite it must be declared again within 20 working days."""

import datetime

import pytest
from django.urls import reverse

from catalogue.models import PowerPage
from catalogue.services import CitationData
from laws.models import Law, LawStatus
from review.models import AdjustmentRequirement
from review.services import (
    ReviewError,
    function_change_record,
    law_supersede,
    power_submit,
    review_approve,
)
from tests.factories import (
    department_editor,
    legal_office_user,
    make_user,
    publish_power,
    road_transport_licence,
)
from workdays.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db
D = datetime.date


def road_transport_regulation():
    return Law.objects.find_by_title("道路运输条例").first()


def powers_citing_and_not():
    citing = publish_power()  # cites 道路运输条例 and 行政许可法
    other = publish_power(
        road_transport_licence(
            code="NOT-CITING",
            citations=[CitationData(law_title="中华人民共和国行政许可法", articles="第十二条")],
        )
    )
    draft = publish_power(road_transport_licence(code="DRAFT-CITING"))
    PowerPage.objects.get(pk=draft.pk).unpublish()
    return citing, other


def test_an_amendment_opens_requirements_on_exactly_the_live_powers_citing_it():
    citing, other = powers_citing_and_not()
    opened = law_supersede(law=road_transport_regulation(), changed_on=D(2026, 9, 21))
    assert [r.power_id for r in opened] == [citing.pk]
    requirement = AdjustmentRequirement.objects.get()
    # 20 working days after Monday 21 September 2026: 22–24 Sep, (中秋 25–27), 28–30 Sep,
    # (国庆 1–7 Oct), 8, 9, 10 (Saturday, 调休), 12–16, 19–23 and Monday 26 October
    assert requirement.due_on == D(2026, 10, 26)
    assert "道路运输条例" in requirement.reason
    assert not AdjustmentRequirement.objects.filter(power=other).exists()


def test_recording_the_same_change_twice_opens_nothing_new():
    powers_citing_and_not()
    law = road_transport_regulation()
    law_supersede(law=law, changed_on=D(2026, 9, 21))
    assert law_supersede(law=law, changed_on=D(2026, 9, 21)) == []
    assert AdjustmentRequirement.objects.count() == 1


def test_the_deadline_runs_across_the_year_change_once_2027_is_entered():
    powers_citing_and_not()
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    law_supersede(law=road_transport_regulation(), changed_on=D(2026, 12, 15))
    assert AdjustmentRequirement.objects.get().due_on == D(2027, 1, 13)


def test_an_approved_revision_closes_the_requirement_with_the_editors_reason():
    citing, _other = powers_citing_and_not()
    law_supersede(law=road_transport_regulation(), changed_on=D(2026, 9, 21))
    editor = department_editor()
    draft = PowerPage.objects.get(pk=citing.pk).get_latest_revision_as_object()
    draft.change_note = "依据修订后的道路运输条例调整行使依据"
    draft.save_revision(user=editor)
    power_submit(power=citing, user=editor)
    assert AdjustmentRequirement.objects.open().count() == 1  # submitted is not approved
    review_approve(power=citing, user=legal_office_user("fzb"))
    requirement = AdjustmentRequirement.objects.get()
    assert requirement.closed_at is not None
    assert requirement.closing_note == "依据修订后的道路运输条例调整行使依据"


def test_a_function_change_opens_requirements_for_the_whole_department():
    citing, other = powers_citing_and_not()
    approval_power = publish_power(
        road_transport_licence(code="APPROVAL-1", department_code="APPROVAL")
    )
    department = citing.get_parent().specific
    function_change_record(
        department=department, changed_on=D(2026, 11, 2), description="划入道路运输执法职责"
    )
    powers = set(AdjustmentRequirement.objects.values_list("power_id", flat=True))
    assert powers == {citing.pk, other.pk}
    assert approval_power.pk not in powers
    with pytest.raises(ReviewError, match="请填写机构职能调整的内容"):
        function_change_record(department=department, changed_on=D(2026, 11, 2), description=" ")


def test_a_new_version_entered_in_the_admin_supersedes_the_old_one(client):
    citing, _other = powers_citing_and_not()
    old = road_transport_regulation()
    client.force_login(make_user("root", superuser=True))
    response = client.post(
        reverse("wagtailsnippets_laws_law:add"),
        {
            "title": old.title,
            "short_title": old.short_title,
            "level": old.level,
            "issuing_authority": "国务院",
            "version_date": "2026-11-02",
            "status": "in_force",
            "supersedes": old.pk,
            "articles-TOTAL_FORMS": "0",
            "articles-INITIAL_FORMS": "0",
            "articles-MIN_NUM_FORMS": "0",
            "articles-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    old.refresh_from_db()
    assert old.status == LawStatus.AMENDED and old.status_changed_on == D(2026, 11, 2)
    assert AdjustmentRequirement.objects.filter(power=citing, law=old).exists()


def test_marking_a_law_amended_without_a_date_is_refused_in_chinese_with_one_it_is_taken(client):
    law = road_transport_regulation()
    law.status = LawStatus.AMENDED
    with pytest.raises(Exception, match="请填写时效变更日期"):
        law.full_clean()
    law.status_changed_on = D(2026, 9, 21)
    law.full_clean()
