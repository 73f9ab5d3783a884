"""Every write of the feedback package: submissions, replies, moderation, appeals, and the
logged unmasking of personal data. Views and the admin call these; nothing else writes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from access import personal_data, roles
from access.scoping import may_handle
from catalogue.models import DepartmentPage, PowerPage
from common import pagecache
from workdays.calendar import WorkCalendar

from . import ratelimit
from .models import (
    BAD_RATINGS,
    Appeal,
    AppealDecision,
    Feedback,
    Kind,
    Moderation,
    Status,
)

# Tracking numbers and anonymous lookup codes: no 0/O, 1/I/L to misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DUPLICATE_WINDOW_SECONDS = 120


class RateLimited(Exception):
    """Too many submissions from this address or for this phone number."""


@dataclass
class Submission:
    kind: str
    rating: int | None
    comment: str
    name: str = ""
    phone: str = ""
    consent_to_contact: bool = False
    power: object = None  # PowerPage
    department: object = None  # DepartmentPage (the power's, when a power is given)


@dataclass
class Receipt:
    tracking_no: str
    lookup_code: str  # empty when the citizen gave a phone number
    feedback: Feedback | None
    folded: bool = False  # an identical submission moments ago: this is its receipt


def _random(n):
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def _tracking_no(now):
    return f"PJ{timezone.localdate(now):%Y%m%d}-{_random(4)}"


def reply_due_on(kind: str, rating: int | None, start) -> object:
    """The reply deadline, in working days from the day of submission, or None."""
    days = None
    if kind in (Kind.COMPLAINT, Kind.REPORT):
        days = settings.FEEDBACK_REPLY_DAYS_COMPLAINT
    elif rating in BAD_RATINGS:
        days = settings.FEEDBACK_REPLY_DAYS_BAD_REVIEW
    elif kind == Kind.INQUIRY:
        days = settings.FEEDBACK_REPLY_DAYS_INQUIRY
    if days is None:
        return None
    return WorkCalendar.load().add_working_days(start, days)


def _fingerprint(submission: Submission, ip: str, client: str) -> str:
    parts = [
        ip, client, submission.kind, str(submission.rating), " ".join(submission.comment.split()),
        submission.phone, str(getattr(submission.power, "pk", "")),
        str(getattr(submission.department, "pk", "")),
    ]  # fmt: skip
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def feedback_submit(submission: Submission, *, ip: str, client: str = "") -> Receipt:
    """Store a citizen's submission once, routed to the department of the power, with its reply
    deadline. Identical submissions from the same device (`client`: the browser's CSRF cookie,
    an API caller's Idempotency-Key) and address within DUPLICATE_WINDOW_SECONDS are folded into
    the first, whose receipt they get — never another person's, behind the same address.
    Raises RateLimited (nothing stored)."""
    now = timezone.now()
    tracking_no, code = _tracking_no(now), "" if submission.phone else _random(6)
    duplicate_key = f"feedback:duplicate:{_fingerprint(submission, ip, client)}"
    if not cache.add(duplicate_key, f"{tracking_no}|{code}", timeout=DUPLICATE_WINDOW_SECONDS):
        earlier = cache.get(duplicate_key)
        if earlier:
            earlier_no, earlier_code = earlier.split("|")
            return Receipt(earlier_no, earlier_code, None, folded=True)
    limits = settings.FEEDBACK_RATE_LIMITS
    # Per address per minute (a flood), per phone number per day (one person's limit). No daily
    # limit per address: a government office or a school answers from one address behind NAT.
    allowed = ratelimit.allow("ip-minute", ip, limits["ip_per_minute"], 60)
    if allowed and submission.phone:
        allowed = ratelimit.allow("phone-day", submission.phone, limits["phone_per_day"], 86400)
    if not allowed:
        cache.delete(duplicate_key)
        raise RateLimited()

    department = submission.department
    if submission.power is not None:
        parent_path = submission.power.path[: -PowerPage.steplen]
        department = DepartmentPage.objects.filter(path=parent_path).first()
    feedback = Feedback(
        power=submission.power,
        department=department,
        power_type=getattr(submission.power, "power_type", "") or "",
        kind=submission.kind,
        rating=submission.rating,
        comment=submission.comment,
        name=submission.name,
        phone=submission.phone,
        consent_to_contact=submission.consent_to_contact and bool(submission.phone),
        lookup_code=code,
        created_at=now,
        due_on=reply_due_on(submission.kind, submission.rating, timezone.localdate(now)),
        moderation=Moderation.PENDING if submission.comment else Moderation.HIDDEN,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                feedback.tracking_no = tracking_no
                feedback.save()
            break
        except IntegrityError:  # the tracking number was taken: draw another
            tracking_no = _tracking_no(now)
            cache.set(duplicate_key, f"{tracking_no}|{code}", timeout=DUPLICATE_WINDOW_SECONDS)
    else:
        cache.delete(duplicate_key)
        raise IntegrityError("无法生成唯一的受理编号")
    _pages_changed(feedback)
    return Receipt(tracking_no, code, feedback)


def _pages_changed(feedback):
    """Ratings count at once: the power's and the department's pages and the published results
    are served fresh from now on."""
    paths = ["/evaluation/", "/api/v3/"]  # the API's reads show rating summaries
    for page in (feedback.power, feedback.department):
        if page is not None and page.url:
            paths.append(page.url)
    pagecache.invalidate_paths(paths)


class LookupLocked(Exception):
    """Too many wrong verifiers for this tracking number today: try tomorrow, or call 12345."""

    def __init__(self, message="这个受理编号今天核对失败的次数过多，请明天再查，"
                 "或拨打政务服务便民热线 12345。"):  # fmt: skip
        super().__init__(message)


def feedback_lookup(tracking_no: str, verifier: str) -> Feedback | None:
    """The submission for a tracking number and the last four digits of its phone number (or
    the code on its receipt); None for any mismatch, the same answer as an unknown number.

    Four digits are guessable from many addresses: after FEEDBACK_RATE_LIMITS
    ["failed_lookups_per_number"] wrong answers for one number in a day, the number answers
    nothing more that day (LookupLocked), right verifier or not."""
    tracking_no, verifier = tracking_no.strip().upper(), verifier.strip().upper()
    locked_key = f"feedback:lookup-locked:{tracking_no}"
    if cache.get(locked_key):
        raise LookupLocked()
    found = _lookup(tracking_no, verifier)
    if found is None:
        limit = settings.FEEDBACK_RATE_LIMITS.get("failed_lookups_per_number", 10)
        if not ratelimit.allow("lookup-failed", tracking_no, limit, 86400):
            cache.set(locked_key, True, timeout=86400)
            raise LookupLocked()
    return found


def _lookup(tracking_no, verifier):
    feedback = (
        Feedback.objects.select_related("power", "department")
        .filter(tracking_no=tracking_no)
        .first()
    )
    if feedback is None or not verifier:
        return None
    expected = feedback.phone[-4:] if feedback.phone else feedback.lookup_code
    return feedback if secrets.compare_digest(expected.upper(), verifier) else None


# --- The department's side ------------------------------------------------------------------


def _require(condition):
    if not condition:
        raise PermissionDenied("没有处理这条评议的权限")


def feedback_reply(feedback: Feedback, *, user, text: str, publish_comment: bool | None = None):
    _require(may_handle(user, feedback))
    with transaction.atomic():
        feedback.reply = text
        feedback.status = Status.ANSWERED
        feedback.replied_at = timezone.now()
        feedback.replied_by = user
        if publish_comment is not None and feedback.comment:
            feedback.moderation = Moderation.PUBLISHED if publish_comment else Moderation.HIDDEN
        feedback.save()
        log(instance=feedback, action="feedback.reply", user=user)
    _pages_changed(feedback)


def feedback_moderate(feedback: Feedback, *, user, publish: bool):
    _require(may_handle(user, feedback))
    feedback.moderation = Moderation.PUBLISHED if publish else Moderation.HIDDEN
    feedback.save(update_fields=["moderation"])
    log(instance=feedback, action="feedback.moderate", user=user,
        data={"moderation": feedback.moderation})  # fmt: skip
    _pages_changed(feedback)


def personal_data_reveal(feedback: Feedback, *, user) -> dict:
    """The citizen's name and phone number, for those allowed to see them; every look logged
    (access.personal_data)."""
    revealed = personal_data.reveal(
        user, feedback, fields={"姓名": feedback.name, "手机号码": feedback.phone}
    )
    return {"name": revealed["姓名"], "phone": revealed["手机号码"]}


def appeal_request(feedback: Feedback, *, user, reason: str) -> Appeal:
    _require(may_handle(user, feedback) and feedback.is_bad_review)
    if feedback.appeals.filter(decision=AppealDecision.PENDING).exists():
        raise ValueError("这条评价已有待决定的申诉")
    with transaction.atomic():
        appeal = Appeal.objects.create(feedback=feedback, reason=reason, requested_by=user)
        log(instance=feedback, action="feedback.appeal", user=user, data={"reason": reason})
    return appeal


def appeal_decide(appeal: Appeal, *, user, grant: bool, reason: str):
    _require(roles.is_legal_office(user))
    if appeal.decision != AppealDecision.PENDING:
        raise ValueError("这项申诉已经决定过了")
    with transaction.atomic():
        appeal.decision = AppealDecision.GRANTED if grant else AppealDecision.REFUSED
        appeal.decision_reason = reason
        appeal.decided_by = user
        appeal.decided_at = timezone.now()
        appeal.save()
        if grant:
            appeal.feedback.excluded_from_statistics = True
            appeal.feedback.save(update_fields=["excluded_from_statistics"])
        log(instance=appeal.feedback, action="feedback.appeal_decided", user=user,
            data={"decision": appeal.decision, "reason": reason})  # fmt: skip
    _pages_changed(appeal.feedback)
