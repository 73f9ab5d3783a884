"""Generated demo cases (办件) for the filled powers, over the last months: the demo's 办件公示,
to-do lists, power figures and the benchmark's million cases (`manage.py generate_demo_cases`).

The one place where cases are written without cases.services, for speed: each case is simulated
as the services would run it (the same flow snapshot, the same due dates in working days, the
same events in the same order, the same figures when it closes), then written in bulk, rows with
their ids reserved beforehand (COPY on PostgreSQL, executemany on SQLite). Every case is marked
`generated`: no citizen applied. tests/demo/test_generated_cases.py checks a generated case
against the services' own computations, and that the services carry a running one on.

Realistic, not real: applicants' names are drawn from common surnames and given names, identity
numbers and credit codes carry valid check characters but belong to nobody.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from access.models import Post
from access.personal_data import surname_only
from cases.applicants import CREDIT_CODE_CHARS, CREDIT_WEIGHTS, ID_CHECK, ID_WEIGHTS
from cases.models import (
    ApplicantType,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseStep,
    Channel,
    ClockStop,
    EventKind,
    IdType,
    Result,
    SpecialProcedure,
    State,
    post_names,
)
from cases.numbers import ALPHABET
from cases.services import APPLICANT_POST, CaseError, power_flow
from catalogue.models import DepartmentPage, PowerPage
from catalogue.selectors import live_powers
from common.database import refresh_statistics_on_commit
from workdays.calendar import WorkCalendar

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
)
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍鹏红梅飞鑫波宇浩然"
    "子涵欣怡梓轩诺雨桐思远佳俊志文博晓燕春海建国庆丹婷琳"
)
COMPANY_WORDS = (
    "兴达", "华川", "广发", "鑫源", "渠江", "宏远", "天府", "诚信", "安泰", "瑞丰",
    "协兴", "龙安", "嘉陵", "金穗", "恒通", "顺捷", "蜀道",
)  # fmt: skip
COMPANY_KINDS = (
    "运输有限公司", "建筑工程有限公司", "商贸有限公司", "农业专业合作社",
    "餐饮管理有限公司", "物流有限公司", "医疗器械有限公司", "教育咨询有限公司",
    "食品有限公司", "家庭农场",
)  # fmt: skip
# 广安区 and its neighbours (行政区划代码): where applicants' identity numbers say they were born.
REGIONS = ("511602", "511603", "511621", "511622", "511623", "511681", "510101", "500101")
STREETS = ("建设路", "渠江北路", "思源大道", "金安大道", "中桥路", "协兴大道", "北辰街")
REASONS_REJECTED = (
    "申请事项依法不属于本部门职权范围，已告知向有关行政机关申请。",
    "申请人不具备法定申请资格。",
    "申请材料不齐全，经一次性告知后逾期未补正。",
    "同一事项已在办理中，不得重复申请。",
)
CORRECTIONS = (
    "补正：车辆检测合格证明原件。",
    "补正：法定代表人身份证明及授权委托书。",
    "补正：申请表签字盖章页。",
    "补正：场所平面布置图及产权证明。",
    "补正：从业人员资格证书复印件。",
)
SPECIAL_REASONS = {
    SpecialProcedure.HEARING: ("申请人要求听证。", "听证已举行，听证笔录已入卷。"),
    SpecialProcedure.EXPERT_REVIEW: ("技术方案需专家评审。", "专家评审通过。"),
    SpecialProcedure.INSPECTION: ("需对设备进行检验。", "检验合格。"),
    SpecialProcedure.APPRAISAL: ("需委托第三方鉴定。", "鉴定意见已出具。"),
}
OPINIONS = (
    "材料齐全，符合法定形式。",
    "经审查，符合条件。",
    "同意。",
    "经现场核查，情况属实。",
    "拟同意，报批。",
)
DENIALS = ("经审查，申请人不符合法定条件，决定不予许可。", "现场核查不符合要求，不予准予。")
OFFICIALS = ("周明", "吴刚", "郑丽", "王建", "冯雪", "陈勇", "褚磊", "卫东", "蒋平", "沈红")


# --- the calendar, fast ----------------------------------------------------------------------


class FastCalendar:
    """WorkCalendar's working days over a range, as a sorted list: the same answers as
    add_working_days and working_days_between, by bisection."""

    def __init__(self, calendar: WorkCalendar, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        days = (last - first).days + 1
        self.days = [
            day
            for day in (first + datetime.timedelta(days=n) for n in range(days))
            if calendar.is_working_day(day)
        ]

    def add(self, start: datetime.date, count: int) -> datetime.date:
        if count == 0:
            return start
        return self.days[bisect.bisect_right(self.days, start) + count - 1]

    def between(self, start: datetime.date, end: datetime.date) -> int:
        if end < start:
            return -self.between(end, start)
        return bisect.bisect_right(self.days, end) - bisect.bisect_right(self.days, start)

    def stopped(self, start: datetime.date, end: datetime.date) -> int:
        """As deadlines.stopped_working_days counts one ended stop."""
        if end <= start:
            return 0
        one = datetime.timedelta(days=1)
        return self.between(start - one, end - one)


# --- what the generator knows of a power ------------------------------------------------------


@dataclass
class Flow:
    power_id: int
    revision_id: int
    department_id: int
    code: str
    title: str
    power_type: str
    promised: int
    legal: int | None
    online: bool
    fee: bool
    steps: list[dict]
    materials: list[str]
    # Who holds each post of the department: (user id, name), the first holder.
    holders: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def acceptance(self) -> int:
        return next((i for i, s in enumerate(self.steps) if not s["by_applicant"]), 0)


def case_flows(powers=None) -> list[Flow]:
    """The flows of the filled powers (live, with steps and a promised limit): a power without
    a promised limit (处罚、强制、检查) would be a 即办件 due the day it is opened, so no demo
    case is generated for it."""
    powers = powers if powers is not None else live_powers()
    flows = []
    for power in powers:
        if not power.steps or power.promised_time_limit is None:
            continue
        try:
            revision_id, steps = power_flow(power)
        except CaseError:
            continue
        department = DepartmentPage.objects.get(path=power.path[: -PowerPage.steplen])
        holders = {}
        for post in Post.objects.filter(department=department).prefetch_related("members"):
            member = min(post.members.all(), key=lambda user: user.pk, default=None)
            if member is not None:
                label = (member.get_full_name() or member.get_username())[:50]
                holders[post.name] = (member.pk, label)
        for step in steps:
            step["names"] = post_names(step["posts"])
            step["by_applicant"] = step["names"] == [APPLICANT_POST]
        flows.append(Flow(
            power_id=power.pk, revision_id=revision_id, department_id=department.pk,
            code=power.code, title=power.title[:255], power_type=power.power_type,
            promised=power.promised_time_limit or 0, legal=power.legal_time_limit,
            online=power.online_depth >= 3, fee=not power.fee_free, steps=steps,
            materials=[block.value["name"][:300] for block in power.materials], holders=holders,
        ))  # fmt: skip
    return flows


# --- applicants -------------------------------------------------------------------------------


def person_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def id_card(rng: random.Random, born: datetime.date) -> str:
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def credit_code(rng: random.Random) -> str:
    body = "91" + rng.choice(REGIONS) + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def applicant(rng: random.Random, today: datetime.date) -> dict:
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    address = f"四川省广安市广安区{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
    if rng.random() < 0.7:
        name = person_name(rng)
        born = today - datetime.timedelta(days=rng.randrange(18 * 365, 75 * 365))
        return {"applicant_type": ApplicantType.PERSON, "applicant_name": name,
                "applicant_public_name": surname_only(name), "applicant_id_type": IdType.ID_CARD,
                "applicant_id_no": id_card(rng, born), "contact_name": name,
                "contact_phone": phone, "address": address}  # fmt: skip
    name = f"广安{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}"
    return {"applicant_type": ApplicantType.ORGANISATION, "applicant_name": name,
            "applicant_public_name": name, "applicant_id_type": IdType.CREDIT_CODE,
            "applicant_id_no": credit_code(rng), "contact_name": person_name(rng),
            "contact_phone": phone, "address": address}  # fmt: skip


# --- one case, simulated as the services would run it ----------------------------------------


def _day(when: datetime.datetime) -> datetime.date:
    """The local date of a time the generator made (in the current time zone already)."""
    return when.date()


class _Now(Exception):
    """The simulation reached the present: the case stays where it is."""


@dataclass
class Simulated:
    case: dict
    steps: list[dict]
    events: list[dict]
    stops: list[dict]
    materials: list[tuple[str, bool]]
    password: str


class Generator:
    """Simulates cases one by one (seeded: the same seed gives the same cases)."""

    # Shares of what happens (of all cases; together about 10% late).
    CHANNELS = ((Channel.WINDOW, 55), (Channel.ONLINE, 25), (Channel.SYSTEM, 15),
                (Channel.BACKFILL, 5))  # fmt: skip
    REJECTED, WITHDRAWN, LATE = 0.05, 0.015, 0.10
    CORRECTION, SECOND_CORRECTION, SPECIAL, EXTENSION = 0.12, 0.15, 0.02, 0.02

    def __init__(self, flows: list[Flow], *, months: int = 12, seed: int = 2026, now=None,
                 part: tuple[int, int] = (0, 1)):  # fmt: skip
        if not flows:
            raise ValueError("没有可生成办件的事项（已发布、有办理流程和承诺时限的事项）。")
        self.flows, self.rng = flows, random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_current_timezone()
        first = self.today - datetime.timedelta(days=months * 31 + 10)
        self.calendar = FastCalendar(
            WorkCalendar.load(), first, self.today + datetime.timedelta(days=800)
        )
        start = self.today - datetime.timedelta(days=int(months * 30.44))
        # Today counts only once its working hours (09:00–17:30) are over: nothing generated
        # may happen later than now.
        last = self.today if self.now.astimezone(self.tz).hour >= 18 else (
            self.today - datetime.timedelta(days=1))  # fmt: skip
        self.accept_days = [d for d in self.calendar.days if start <= d <= last]
        # The last three working days: an online application made then may still wait for the
        # window (counted in working days, so that a Monday's run has them as a Friday's does).
        self.recent_days = set(self.accept_days[-3:])
        self.channels = [c for c, weight in self.CHANNELS for _ in range(weight)]
        self.numbers: set[str] = set()
        # Generators writing at once draw case numbers from disjoint sets: part k of n starts
        # its random part with a character of its own.
        self.first_chars = ALPHABET[part[0] :: part[1]]
        self.key = settings.SECRET_KEY.encode()
        # Powers weighted: permits and services many, the rest fewer.
        self.weights = [5 if flow.power_type in ("01", "10") else 2 for flow in flows]

    # helpers

    def _at(self, day: datetime.date, after: datetime.datetime | None = None):
        """A working hour of `day`, after `after` when it is the same day."""
        minute = self.rng.randrange(9 * 60, 17 * 60 + 30)
        when = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), self.tz)
        when = when.replace(second=self.rng.randrange(60))
        if after is not None and when <= after:
            when = after + datetime.timedelta(minutes=self.rng.randrange(5, 90))
        return when

    def _case_no(self, when) -> str:
        day = _day(when)
        while True:
            random_part = self.rng.choice(self.first_chars) + "".join(
                self.rng.choices(ALPHABET, k=5)
            )
            number = f"BJ{day:%Y%m%d}-{random_part}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _hash(self, case_no: str, password: str) -> str:
        message = f"{case_no}\x1f{password}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    # the case

    def case(self, index: int) -> Simulated:  # noqa: C901, PLR0912, PLR0915 (one story)
        rng, cal = self.rng, self.calendar
        flow = rng.choices(self.flows, self.weights)[0]
        channel = rng.choice(self.channels)
        if channel == Channel.ONLINE and not flow.online:
            channel = Channel.WINDOW
        in_platform = channel in (Channel.WINDOW, Channel.ONLINE)
        accept_day = rng.choice(self.accept_days)
        if channel == Channel.WINDOW:
            submitted_at = self._at(accept_day)
            accepted_at = submitted_at
        else:
            submitted_day = accept_day - datetime.timedelta(days=rng.choice((0, 0, 1, 2, 3)))
            submitted_at = self._at(submitted_day)
            accepted_at = self._at(accept_day, after=submitted_at)
            accept_day = _day(accepted_at)
            if channel == Channel.ONLINE and accept_day in self.recent_days and rng.random() < 0.5:
                # Applied in the last days and still waiting for the window (待受理).
                accepted_at = self.now + datetime.timedelta(days=1)
        password = f"{rng.randrange(10**6):06d}"
        case_no = self._case_no(submitted_at)
        applicant_fields = applicant(rng, self.today)
        steps = [
            {"position": i, "name": s["name"][:100], "posts": s["posts"][:200],
             "time_limit": s["time_limit"], "description": s["description"][:2000],
             "by_applicant": s["by_applicant"], "names": s["names"], "started_at": None,
             "due_on": None, "completed_at": None, "completed_by_id": None, "handler_name": "",
             "handler_post": "", "opinion": ""}
            for i, s in enumerate(flow.steps)
        ]  # fmt: skip
        case = {
            "case_no": case_no, "password_hash": self._hash(case_no, password), "channel": channel,
            "external_id": f"YW{index:09d}" if channel == Channel.SYSTEM else "",
            "generated": True, "power_id": flow.power_id, "revision_id": flow.revision_id,
            "department_id": flow.department_id, "power_code": flow.code,
            "power_name": flow.title, "power_type": flow.power_type,
            "promised_days": flow.promised, "legal_days": flow.legal, **applicant_fields,
            "state": State.SUBMITTED, "current_step": 0, "current_posts": "",
            "submitted_at": submitted_at, "accepted_at": None, "accepted_by_id": None,
            "accepted_by_name": "", "rejection_reason": "", "due_on": None,
            "extension_days": 0, "paused_since": None, "correction_count": 0,
            "finished_at": None, "result": "", "result_description": "", "closing_reason": "",
            "working_days_used": None, "on_time": None, "fee_due": Decimal(0),
            "fee_paid": Decimal(0), "fee_waived": Decimal(0), "withheld": False,
            "withhold_reason": "", "withhold_note": "", "public": False, "published_at": None,
            "version": 0, "recorded_at": submitted_at,
        }  # fmt: skip
        events, stops = [], []
        lag = {Channel.SYSTEM: (1, 30), Channel.BACKFILL: (60 * 24, 60 * 24 * 20)}.get(channel)

        def recorded(when):
            if lag is None:
                return when
            return min(self.now, when + datetime.timedelta(minutes=rng.randrange(*lag)))

        def official(step):
            """Who completes a step: the holder of its post in the platform, a named official
            (with no account here) for business systems and 补录."""
            names = step["names"]
            if in_platform:
                for name in names:
                    if name in flow.holders:
                        return flow.holders[name][0], flow.holders[name][1], name
            return None, rng.choice(OFFICIALS), names[0] if names else ""

        def emit(kind, when, *, actor=(None, ""), step=None, data=None, event_channel=None):
            if when > self.now:
                raise _Now
            case["version"] += 1
            events.append({
                "seq": case["version"], "kind": kind, "occurred_at": when,
                "recorded_at": recorded(when), "actor_id": actor[0], "actor_name": actor[1][:50],
                "channel": event_channel or channel, "step": step, "external_id": "",
                "data": data or {},
            })  # fmt: skip

        def due():
            return cal.add(accept_day, flow.promised + case["extension_days"] + stopped_total())

        def stopped_total(until=None):
            return sum(cal.stopped(s["started_on"], s["ended_on"] or until or s["started_on"])
                       for s in stops)  # fmt: skip

        staff_channel = Channel.WINDOW if in_platform else channel
        materials = [(name, True) for name in flow.materials]
        try:
            # 提交: the applicant's own steps are done; the case waits for acceptance.
            for step in steps:
                if not step["by_applicant"]:
                    break
                step.update(started_at=submitted_at, completed_at=submitted_at,
                            handler_name="申请人", handler_post=APPLICANT_POST)  # fmt: skip
                case["current_step"] = step["position"] + 1
            acceptance = steps[flow.acceptance]
            case["current_posts"] = acceptance["posts"]
            submitter = (
                (None, case["applicant_name"][:50])
                if channel == Channel.ONLINE
                else (official(acceptance)[:2] if in_platform else (None, rng.choice(OFFICIALS)))
            )
            data = {"materials": flow.materials} if channel == Channel.ONLINE else {}
            emit(EventKind.SUBMITTED, submitted_at, actor=submitter, data=data)

            # 不予受理 (not for the window: it accepts in person).
            if channel != Channel.WINDOW and rng.random() < self.REJECTED / 0.45:
                handler = official(acceptance)
                reason = rng.choice(REASONS_REJECTED)
                emit(EventKind.REJECTED, accepted_at, actor=handler[:2], data={"reason": reason},
                     event_channel=staff_channel)  # fmt: skip
                case.update(state=State.REJECTED, rejection_reason=reason,
                            finished_at=accepted_at, public=True, published_at=accepted_at,
                            current_posts="")  # fmt: skip
                raise _Now

            # 受理: the acceptance step is completed; the promised limit starts.
            handler = official(acceptance)
            initial_due = cal.add(accept_day, flow.promised)
            emit(EventKind.ACCEPTED, accepted_at, actor=handler[:2], step=acceptance["position"],
                 data={"due_on": initial_due.isoformat()}, event_channel=staff_channel)  # fmt: skip
            acceptance.update(started_at=accepted_at, completed_at=accepted_at,
                              due_on=cal.add(accept_day, acceptance["time_limit"] or 0),
                              completed_by_id=handler[0], handler_name=handler[1],
                              handler_post=handler[2][:100], opinion="受理")  # fmt: skip
            case.update(state=State.IN_PROGRESS, accepted_at=accepted_at,
                        accepted_by_id=handler[0], accepted_by_name=handler[1], due_on=initial_due,
                        public=True, published_at=accepted_at)  # fmt: skip
            self._start(case, steps, acceptance["position"] + 1, accepted_at)

            # The rest of the steps: days spent, in working days, within the promise or not.
            rest = steps[acceptance["position"] + 1 :]
            late = rng.random() < self.LATE
            budget = flow.promised
            total = (
                budget + rng.randint(1, max(2, budget // 3 + 1))
                if late
                else (rng.randint(budget // 3, budget) if budget else 0)
            )
            shares = self._split(total, [s["time_limit"] or 1 for s in rest])
            corrections = set()
            if rest and rng.random() < self.CORRECTION:
                corrections.add(rng.randrange(len(rest)))
                if rng.random() < self.SECOND_CORRECTION:  # a second request: recorded so
                    corrections.add(rng.randrange(len(rest)))
            special = rng.randrange(len(rest)) if rest and rng.random() < self.SPECIAL else None
            extension = rng.randrange(len(rest)) if rest and rng.random() < self.EXTENSION else None
            withdraw = rng.randrange(len(rest)) if rest and rng.random() < self.WITHDRAWN else None
            clock = accepted_at
            for offset, step in enumerate(rest):
                day = _day(clock)
                if offset == withdraw:
                    when = self._at(cal.add(day, rng.randint(0, 2)), after=clock)
                    reason = "申请人申请撤回。"
                    emit(EventKind.WITHDRAWN, when, actor=official(step)[:2],
                         data={"reason": reason, "from": State.IN_PROGRESS},
                         event_channel=staff_channel)  # fmt: skip
                    case.update(state=State.WITHDRAWN, closing_reason=reason, current_posts="",
                                finished_at=when, paused_since=None)  # fmt: skip
                    raise _Now
                if offset == extension:
                    head = next((flow.holders[n] for n in flow.holders if "负责人" in n
                                 or "领导" in n), (None, rng.choice(OFFICIALS)))  # fmt: skip
                    head = head if in_platform else (None, rng.choice(OFFICIALS))
                    when = self._at(day, after=clock)
                    days = rng.randint(3, 10)
                    case["extension_days"] = days
                    new_due = due()
                    emit(EventKind.EXTENDED, when, actor=head, event_channel=staff_channel,
                         data={"days": days, "reason": "案情复杂，需进一步核查。",
                               "due_on": new_due.isoformat()})  # fmt: skip
                    case["due_on"] = new_due
                    clock = when
                for kind in ([ClockStop.Kind.CORRECTION] if offset in corrections else []) + (
                        [ClockStop.Kind.SPECIAL] if offset == special else []):  # fmt: skip
                    clock = self._stop(case, step, stops, kind, clock, corrections, emit,
                                       official, staff_channel, due)  # fmt: skip
                days = shares[offset]
                when = self._at(cal.add(_day(clock), days), after=clock)
                handler = official(step)
                last = step is steps[-1]
                opinion = rng.choice(OPINIONS)
                data = {"step": step["name"], "opinion": opinion}
                result = ""
                if last:
                    roll = rng.random()
                    result = (Result.DENIED if roll < 0.06 else
                              Result.PARTIAL if roll < 0.09 else Result.GRANTED)  # fmt: skip
                    data["result"] = result
                emit(EventKind.FINISHED if last else EventKind.STEP_COMPLETED, when,
                     actor=handler[:2], step=step["position"], data=data,
                     event_channel=staff_channel)  # fmt: skip
                step.update(completed_at=when, completed_by_id=handler[0],
                            handler_name=handler[1], handler_post=handler[2][:100],
                            opinion=opinion)  # fmt: skip
                self._start(case, steps, step["position"] + 1, when)
                clock = when
                if last:
                    end = _day(when)
                    case.update(
                        state=State.FINISHED, finished_at=when, result=result,
                        result_description=rng.choice(DENIALS) if result != Result.GRANTED else "",
                        working_days_used=max(0, cal.between(accept_day, end) - stopped_total(end)),
                        on_time=case["due_on"] is None or end <= case["due_on"],
                    )  # fmt: skip
            if flow.fee and case["state"] == State.FINISHED and rng.random() < 0.8:
                amount = Decimal(rng.choice((10, 20, 50, 100, 200)))
                when = clock + datetime.timedelta(minutes=rng.randrange(1, 30))
                emit(
                    EventKind.FEE_RECORDED,
                    when,
                    actor=official(steps[-1])[:2],
                    event_channel=staff_channel,
                    data={"due": f"{amount:.2f}", "paid": f"{amount:.2f}", "waived": "0.00"},
                )
                case.update(fee_due=amount, fee_paid=amount)
        except _Now:
            pass
        case["recorded_at"] = events[0]["recorded_at"]
        return Simulated(case, steps, events, stops, materials, password)

    def _start(self, case, steps, position, when):
        """As the services start the next step: its posts wait, its due date from its limit."""
        case["current_step"] = position
        case["current_posts"] = ""
        if position < len(steps):
            step = steps[position]
            case["current_posts"] = step["posts"]
            step["started_at"] = when
            if step["time_limit"] is not None:
                step["due_on"] = self.calendar.add(_day(when), step["time_limit"])

    def _split(self, total: int, weights: list[int]) -> list[int]:
        """`total` working days over the steps, in proportion to their limits, whole days."""
        if not weights:
            return []
        whole = sum(weights)
        shares = [total * weight // whole for weight in weights]
        for _ in range(total - sum(shares)):
            shares[self.rng.randrange(len(shares))] += 1
        return shares

    def _stop(self, case, step, stops, kind, clock, corrections, emit, official, channel, due):
        """补正 or 特别程序 during `step`: requested, then (unless still running today) ended;
        the clock stands still, the case's and the step's due dates move on."""
        rng, cal = self.rng, self.calendar
        handler = official(step)[:2]
        start = self._at(cal.add(_day(clock), rng.randint(0, 1)), after=clock)
        start_day = _day(start)
        if kind == ClockStop.Kind.CORRECTION:
            items = rng.choice(CORRECTIONS)
            repeat = case["correction_count"] >= 1
            emit(EventKind.CORRECTION_REQUESTED, start, actor=handler, step=step["position"],
                 data={"items": items, "repeat": repeat}, event_channel=channel)  # fmt: skip
            stop = {"kind": kind, "procedure": "", "started_on": start_day, "ended_on": None,
                    "reason": items, "result": ""}  # fmt: skip
            case.update(correction_count=case["correction_count"] + 1, state=State.CORRECTION,
                        paused_since=start_day)  # fmt: skip
            ended, ended_kind, note = rng.randint(1, 8), EventKind.CORRECTION_RECEIVED, ""
        else:
            procedure = rng.choice(list(SPECIAL_REASONS))
            reason, result = SPECIAL_REASONS[procedure]
            emit(
                EventKind.SPECIAL_STARTED,
                start,
                actor=handler,
                step=step["position"],
                data={"procedure": procedure, "reason": reason},
                event_channel=channel,
            )
            stop = {"kind": kind, "procedure": procedure, "started_on": start_day,
                    "ended_on": None, "reason": reason, "result": ""}  # fmt: skip
            case.update(state=State.SPECIAL, paused_since=start_day)
            ended, ended_kind, note = rng.randint(5, 20), EventKind.SPECIAL_ENDED, result
        stops.append(stop)
        end = self._at(cal.add(start_day, ended), after=start)
        end_day = _day(end)
        stopped = cal.stopped(start_day, end_day)
        emit(ended_kind, end, actor=handler, step=step["position"],
             data={"note": note, "stopped_days": stopped}, event_channel=channel)  # fmt: skip
        stop.update(ended_on=end_day, result=note)
        case.update(state=State.IN_PROGRESS, paused_since=None)
        case["due_on"] = due()
        if step["due_on"] is not None and stopped:
            step["due_on"] = cal.add(step["due_on"], stopped)
        return end


# --- writing in bulk --------------------------------------------------------------------------


def _columns(model, names):
    return [model._meta.get_field(name).column for name in names]


CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields if f.attname != "id"]
STEP_FIELDS = ["case_id", "position", "name", "posts", "time_limit", "description",
               "by_applicant", "started_at", "due_on", "completed_at", "completed_by_id",
               "handler_name", "handler_post", "opinion"]  # fmt: skip
EVENT_FIELDS = ["case_id", "seq", "kind", "occurred_at", "recorded_at", "actor_id", "actor_name",
                "channel", "step", "external_id", "data"]  # fmt: skip
STOP_FIELDS = ["case_id", "kind", "procedure", "started_on", "ended_on", "reason", "result"]
MATERIAL_FIELDS = ["case_id", "name", "received", "file", "content_type", "size", "uploaded_at"]


class BulkWriter:
    """Rows with their ids reserved from the table's sequence: COPY on PostgreSQL, one
    executemany per table on SQLite. Counts what it wrote per table."""

    def __init__(self):
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}

    def reserve(self, model, count: int) -> int:
        """The first of `count` new ids for `model`'s table."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # nextval then setval, alone: generators writing at once take turns.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [sequence])
                try:
                    cursor.execute("SELECT nextval(%s)", [sequence])
                    first = cursor.fetchone()[0]
                    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [sequence])
                return first
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
            return cursor.fetchone()[0] + 1

    def write(self, model, names: list[str], rows: list[tuple]):
        if not rows:
            return
        table = model._meta.db_table
        columns = ["id", *_columns(model, names)]
        quoted = ", ".join(f'"{column}"' for column in columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                adapters = [(i, self._sqlite(model, name)) for i, name in enumerate(names, 1)]
                adapters = [(i, adapt) for i, adapt in adapters if adapt is not None]
                marks = ", ".join(["%s"] * len(columns))
                values = []
                for row in rows:
                    row = list(row)
                    for index, adapt in adapters:
                        if row[index] is not None:
                            row[index] = adapt(row[index])
                    values.append(row)
                cursor.executemany(
                    f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',  # noqa: S608
                    values,
                )
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    @staticmethod
    def _sqlite(model, name):
        """How Django stores a field's value in SQLite, for the columns that need it."""
        kind = model._meta.get_field(name).get_internal_type()
        if kind == "DateTimeField":
            return lambda value: value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if kind == "DateField":
            return datetime.date.isoformat
        if kind == "DecimalField":
            return str
        if kind == "JSONField":
            return lambda value: json.dumps(value, ensure_ascii=False)
        return None


@dataclass
class Generated:
    cases: int
    rows: dict[str, int]
    seconds: float
    samples: list[tuple[str, str]]  # (case number, password) of a few, for the lookup


def generate_cases(
    count: int, *, months: int = 12, seed: int = 2026, powers=None, batch: int = 5000,
    progress=None, part=(0, 1), samples=3, first: int | None = None, now=None,
) -> Generated:  # fmt: skip
    """Write `count` generated cases of the filled powers (or of `powers`) over the last
    `months` months, `batch` cases per transaction. `progress(done)` after each batch.
    `part` (k, n): the k-th of n generators writing at once (the benchmark's processes);
    `samples`: how many finished cases' numbers and passwords to return, for lookups;
    `first`: the index of the first case (its system number); default: after those there;
    `now`: the moment they are generated up to (default: now)."""
    started = time.monotonic()
    flows = case_flows(powers)
    # Mixed with what is there already: a second run adds different cases.
    existing = Case.objects.filter(generated=True).count() if part == (0, 1) else 0
    if first is not None:
        existing = first
    generator = Generator(flows, months=months, seed=seed + existing, part=part, now=now)
    writer, found, done = BulkWriter(), [], 0
    pg = writer.vendor == "postgresql"
    dumps = (lambda value: json.dumps(value, ensure_ascii=False)) if pg else (lambda value: value)
    fast = pg and _without_reference_checks()
    while done < count:
        size = min(batch, count - done)
        simulated = [generator.case((existing + done + n) * part[1] + part[0]) for n in range(size)]
        with transaction.atomic():
            case_id = writer.reserve(Case, size)
            steps, events, stops, materials = [], [], [], []
            case_rows = []
            for offset, item in enumerate(simulated):
                pk = case_id + offset
                case = item.case
                case_rows.append((pk, *(case[name] for name in CASE_FIELDS)))
                for step in item.steps:
                    steps.append([pk, *(step[name] for name in STEP_FIELDS[1:])])
                for event in item.events:
                    event["data"] = dumps(event["data"])
                    events.append([pk, *(event[name] for name in EVENT_FIELDS[1:])])
                for stop in item.stops:
                    stops.append([pk, *(stop[name] for name in STOP_FIELDS[1:])])
                for name, received in item.materials:
                    materials.append([pk, name, received, "", "", 0, None])
                if len(found) < samples and case["state"] == State.FINISHED:
                    found.append((case["case_no"], item.password))
            writer.write(Case, CASE_FIELDS, case_rows)
            for model, names, rows in ((CaseStep, STEP_FIELDS, steps),
                                       (CaseEvent, EVENT_FIELDS, events),
                                       (ClockStop, STOP_FIELDS, stops),
                                       (CaseMaterial, MATERIAL_FIELDS, materials)):  # fmt: skip
                if rows:
                    first = writer.reserve(model, len(rows))
                    writer.write(model, names, [(first + n, *row) for n, row in enumerate(rows)])
        done += size
        if progress is not None:
            progress(done)
    if fast:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    # The sweep and the hall's listings are planned on these tables' new size.
    refresh_statistics_on_commit()
    return Generated(done, writer.counts, time.monotonic() - started, found)


def _without_reference_checks() -> bool:
    """On PostgreSQL, when the account may (a superuser: the demo's and the benchmark's local
    database), the foreign-key triggers are left out for this session while the generator
    writes: every row it writes refers to rows that exist (the powers, revisions, departments
    and staff it read, the cases it writes in the same transaction), and checking each of
    millions of references at commit doubles the time. Elsewhere they are checked as usual."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not (row and row[0]):
            return False
        cursor.execute("SET session_replication_role = replica")
    return True
