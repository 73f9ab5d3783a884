"""The demo's 电子监察 is not empty: the generated history's late steps and cases and repeated
补正 are counted, the irregularities recorded through the services and a department's system
show one warning of each process and fee rule, 督办单 stand in several states (one overdue,
itself a red card) and findings name several kinds of fault."""

import contextlib
import datetime
from unittest import mock

import pytest
from django.utils import timezone

from demo.cases import generate_cases
from demo.catalogue import demo_catalogue_load
from demo.supervision import demo_supervision_load
from demo.users import demo_users_ensure
from supervision.models import Alert, Finding, OrderState, SupervisionOrder

pytestmark = pytest.mark.django_db


# Whenever `make run` is first run. At 10:42 on a working Tuesday the generated history reaches
# up to minutes before: a case the demo picks was handled at 10:39, and its irregular step,
# pushed five minutes back, was refused as out of order instead of for its fault.
MADE_AT = [None, datetime.datetime.fromisoformat("2026-12-08T10:42:00+08:00")]


def _clock(made_at):
    """The real clock, or one that runs on from `made_at`."""
    if made_at is None:
        return contextlib.nullcontext()
    now, started = timezone.now, timezone.now()
    return mock.patch("django.utils.timezone.now", lambda: made_at + (now() - started))


@pytest.mark.parametrize("made_at", MADE_AT, ids=["now", "on-a-working-morning"])
def test_the_demo_shows_warnings_of_each_kind_orders_and_findings(made_at):
    with _clock(made_at):
        demo_catalogue_load(items_limit=0)
        demo_users_ensure()
        generate_cases(2000, seed=7)
        summary = demo_supervision_load()
    rules = set(Alert.objects.values_list("rule__code", flat=True))
    assert {"step_overdue", "case_overdue", "correction_repeat", "fee_on_free", "outside_post",
            "flow_order", "special_untyped", "extension_unapproved"} <= rules  # fmt: skip
    # Late steps of finished cases are counted, and cleared automatically.
    assert Alert.objects.filter(rule__code="step_overdue", cleared_automatically=True).exists()
    states = set(SupervisionOrder.objects.values_list("state", flat=True))
    assert {OrderState.OPEN, OrderState.ANSWERED, OrderState.ACCEPTED} <= states
    assert Alert.objects.open().filter(rule__code="order_overdue").count() == 1
    kinds = set(Finding.objects.values_list("fault_kind__name", flat=True))
    assert {"超期办理", "未一次性告知", "违规收费", "不按流程办理"} <= kinds
    assert summary["orders"] == SupervisionOrder.objects.count()
    assert demo_supervision_load() is None  # once
