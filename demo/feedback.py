"""Example evaluations for the demo (`manage.py setup_demo`), so that the published results, the
power pages and the 电子监察 dashboard have something to show. They are generated (seeded, so the
same every time) and marked as examples: no citizen wrote them."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from catalogue.selectors import live_powers
from feedback.models import BAD_RATINGS, Feedback, Kind, Moderation, Status
from feedback.services import ALPHABET, reply_due_on
from workdays.calendar import WorkCalendar

COMMENTS = {
    5: ["窗口一次性告知了所需材料，当天就办好了。", "网上预审很方便，少跑了一趟。"],
    4: ["办理顺利，就是排队时间稍长。", "工作人员态度很好。"],
    3: ["材料清单和窗口说的不完全一样，多准备了两份复印件。"],
    2: ["办理时限比承诺的多了两天，也没有主动告知进度。"],
    1: ["电话咨询一直无人接听。"],
}
REPLIES = {
    2: "已核实，因系统升级导致延误，已向您致歉并加强进度告知。",
    1: "已调整咨询电话值守安排，工作日 9:00—17:00 专人接听。",
}
WEIGHTS = [(5, 52), (4, 28), (3, 12), (2, 5), (1, 3)]


@transaction.atomic
def demo_feedback_load(*, count=600, days=180, seed=2026) -> int:
    """Create `count` example submissions over the last `days` days; nothing if any exist."""
    if Feedback.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (example data, not secrets)
    powers = list(live_powers().order_by("path"))
    if not powers:
        return 0
    departments = {}
    filled = [p for p in powers if p.flowchart_id or p.steps]
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    ratings = [r for r, w in WEIGHTS for _ in range(w)]
    made = []
    for index in range(count):
        power = rng.choice(filled if filled and rng.random() < 0.5 else powers)
        if power.pk not in departments:
            departments[power.pk] = power.get_parent().specific
        rating = rng.choice(ratings)
        day = today - datetime.timedelta(days=rng.randrange(days))
        created = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + index % 8)))
        comment = rng.choice(COMMENTS[rating]) if rng.random() < 0.3 else ""
        due_on = reply_due_on(Kind.EVALUATION, rating, day)
        feedback = Feedback(
            tracking_no=f"PJ{day:%Y%m%d}-{''.join(rng.choice(ALPHABET) for _ in range(4))}",
            power=power, department=departments[power.pk], power_type=power.power_type,
            kind=Kind.EVALUATION, rating=rating, comment=comment, created_at=created,
            lookup_code="".join(rng.choice(ALPHABET) for _ in range(6)), due_on=due_on,
            moderation=Moderation.PUBLISHED if comment else Moderation.HIDDEN,
        )  # fmt: skip
        if rating in BAD_RATINGS and due_on and due_on < today - datetime.timedelta(days=3):
            late = rng.random() < 0.15
            replied = calendar.add_working_days(day, 7 if late else 2)
            feedback.status = Status.ANSWERED
            feedback.reply = REPLIES[rating]
            feedback.replied_at = timezone.make_aware(
                datetime.datetime.combine(replied, datetime.time(15))
            )
        made.append(feedback)
    seen, unique = set(), []
    for feedback in made:
        if feedback.tracking_no not in seen:
            seen.add(feedback.tracking_no)
            unique.append(feedback)
    Feedback.objects.bulk_create(unique, batch_size=500)
    return len(unique)
