"""Two handlers complete the same step at the same moment: one wins, the other is told, and the
log holds the step once."""

import threading

import pytest
from django.db import connection

from cases import services
from cases.applicants import Applicant
from cases.models import CaseEvent, EventKind
from cases.services import Actor, CaseError
from tests.factories import load_base_data, publish_power, road_transport_licence

from .conftest import holder


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_completing_one_step_at_once_one_wins_the_other_is_told():
    load_base_data()
    licence = publish_power(road_transport_licence())
    window = holder("window", "窗口受理岗")
    reviewers = [holder(f"reviewer{n}", "审核岗") for n in range(2)]
    person = Applicant.clean({"type": "person", "name": "赵六", "id_no": "11010519491231002X"})
    case = services.window_open(licence, person, user=window).case
    outcomes, lock, start = [], threading.Lock(), threading.Barrier(2)

    def complete(user):
        start.wait()
        try:
            services.step_complete(case, actor=Actor(user=user), position=1, opinion=user.username)
            outcome = "done"
        except CaseError as error:
            outcome = str(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=complete, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("done") == 1, outcomes
    refused = next(outcome for outcome in outcomes if outcome != "done")
    assert "已由" in refused or "刚刚已被他人处理" in refused
    assert CaseEvent.objects.filter(case=case, kind=EventKind.STEP_COMPLETED).count() == 1
    case.refresh_from_db()
    assert case.current_step == 2
