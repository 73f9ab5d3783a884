"""Every write of the feedback package: submissions, replies, moderation, appeals, and the
logged unmasking of personal data. Views and the admin call these; nothing else writes."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
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
from common import pagecache, ratelimit
from workdays.calendar import WorkCalendar

from .models import (
    BAD_RATINGS,
    Appeal,
    AppealDecision,
    Feedback,
    Kind,
    Moderation,
    Status,
    normalise_tracking_no,
)

# Tracking numbers and anonymous lookup codes: no 0/O, 1/I/L to misread.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
DUPLICATE_WINDOW_SECONDS = 120


DEFAULT_LIMITS = {
    "ip_per_minute": 10, "ip_per_day": 300, "client_per_minute": 5, "client_per_day": 30,
    "ratings_per_target_ip_day": 5, "ratings_per_target_client_day": 1, "phone_per_day": 5,
    "lookups_per_minute": 20, "failed_lookups_per_number_and_source": 10,
    "failed_lookups_per_number": 100,
}  # fmt: skip
DEFAULT_BURST = {"minutes": 60, "bad_ratings": 5, "max_sources": 2}
DAY = 86400


def limit(name: str) -> int:
    """A limit of FEEDBACK_RATE_LIMITS (settings), or its default."""
    return getattr(settings, "FEEDBACK_RATE_LIMITS", {}).get(name, DEFAULT_LIMITS[name])


TOO_OFTEN = "提交过于频繁，请稍后再试。如有急事，请拨打政务服务便民热线 12345。"


class RateLimited(Exception):
    """Too many submissions from this address or browser, for this phone number, or ratings of
    one power or department; the message says which, in Chinese."""

    def __init__(self, message=TOO_OFTEN):
        super().__init__(message)


def source_of(ip: str) -> str:
    """An address as stored with a submission: hashed with the site's secret, so that a burst
    from one source shows without the address itself being kept."""
    return hashlib.sha256(f"{settings.SECRET_KEY}\x1f{ip}".encode()).hexdigest()[:16]


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
    # The applicant of a finished case rating it (verified by the case's password; one per
    # case, enforced by the database): no per-target limits, never held as a burst.
    case_no: str = ""


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
        str(getattr(submission.department, "pk", "")), submission.case_no,
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
    try:
        _count_against_limits(submission, ip, client)
    except RateLimited:
        cache.delete(duplicate_key)
        raise

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
        source=source_of(ip),
        case_no=submission.case_no,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                feedback.tracking_no = tracking_no
                feedback.save()
                if feedback.is_bad_review and not feedback.case_no:
                    _hold_a_burst(feedback)
            break
        except IntegrityError:  # the tracking number was taken: draw another
            if submission.case_no and Feedback.objects.filter(case_no=submission.case_no).exists():
                cache.delete(duplicate_key)
                raise AlreadyRated() from None
            tracking_no = _tracking_no(now)
            cache.set(duplicate_key, f"{tracking_no}|{code}", timeout=DUPLICATE_WINDOW_SECONDS)
    else:
        cache.delete(duplicate_key)
        raise IntegrityError("无法生成唯一的受理编号")
    _pages_changed(feedback)
    return Receipt(tracking_no, code, feedback)


def _count_against_limits(submission: Submission, ip: str, client: str) -> None:
    """Count this submission against every limit that applies; RateLimited for the first one
    exceeded. Counts are exact under concurrency (common.ratelimit)."""
    checks = [("ip-minute", ip, "ip_per_minute", 60), ("ip-day", ip, "ip_per_day", DAY)]
    if client:
        checks += [("client-minute", client, "client_per_minute", 60),
                   ("client-day", client, "client_per_day", DAY)]  # fmt: skip
    if submission.phone:
        checks.append(("phone-day", submission.phone, "phone_per_day", DAY))
    for name, key, setting, window in checks:
        if not ratelimit.allow(name, key, limit(setting), window):
            raise RateLimited()
    if submission.rating is None or submission.case_no:
        return
    target = _target_key(submission)
    if not ratelimit.allow("rating-ip", f"{target}|{ip}", limit("ratings_per_target_ip_day"), DAY):
        raise RateLimited("今天从您所在的网络对这一事项（或部门）的评价已达上限，请明天再评。")
    if client and not ratelimit.allow("rating-client", f"{target}|{client}",
                                      limit("ratings_per_target_client_day"), DAY):  # fmt: skip
        raise RateLimited("您今天已经评价过这一事项（或部门），每天可评价一次。")


def _target_key(submission: Submission) -> str:
    if submission.power is not None:
        return f"power:{submission.power.pk}"
    return f"department:{getattr(submission.department, 'pk', '')}"


def _hold_a_burst(feedback: Feedback) -> None:
    """Many bad ratings of one power (or department) in a short time from few sources are held
    for the legal office: stored, not counted, no reply deadline (so no cards), until released.
    The few sources are found among all the recent bad ratings (a hostile client hidden among
    honest citizens' ones counts alone). Decided in the submission's transaction; the earlier
    ratings of the burst from those sources are held too."""
    burst = {**DEFAULT_BURST, **getattr(settings, "FEEDBACK_BURST", {})}
    since = feedback.created_at - timezone.timedelta(minutes=burst["minutes"])
    scope = {"power": feedback.power} if feedback.power_id else {
        "department": feedback.department, "power__isnull": True}  # fmt: skip
    recent = Feedback.objects.filter(
        **scope, rating__in=BAD_RATINGS, created_at__gte=since, excluded_from_statistics=False,
        status=Status.RECEIVED,
    )  # fmt: skip
    # The fewest sources (at most max_sources) that together reach the threshold; a source that
    # gave one bad rating is a citizen's opinion, not part of a burst.
    sources, count = set(), 0
    for source, n in Counter(recent.values_list("source", flat=True)).most_common(
        burst["max_sources"]
    ):
        if n < 2:
            break
        sources.add(source)
        count += n
        if count >= burst["bad_ratings"]:
            break
    if count < burst["bad_ratings"] or feedback.source not in sources:
        return
    reason = (f"{burst['minutes']} 分钟内有 {count} 条差评来自 {len(sources)} 个来源，"
              "疑似集中刷评，暂不计入统计，待法制办核实。")  # fmt: skip
    recent.filter(source__in=sources, held=False).update(held=True, hold_reason=reason, due_on=None)
    feedback.refresh_from_db(fields=["held", "hold_reason", "due_on"])


def hold_release(feedback: Feedback, *, user, count_it: bool, note: str = "") -> None:
    """The legal office decides a held rating: release it (it counts from now, and the reply
    deadline starts today) or remove it (it stays stored, never counted)."""
    _require(roles.is_legal_office(user))
    if not feedback.held:
        raise ValueError("这条评议没有被暂不计入。")
    with transaction.atomic():
        feedback.held = False
        feedback.hold_decided_by = user
        feedback.hold_decided_at = timezone.now()
        if count_it:
            feedback.due_on = reply_due_on(feedback.kind, feedback.rating, timezone.localdate())
        else:
            feedback.excluded_from_statistics = True
        if note:
            feedback.hold_reason = f"{feedback.hold_reason}（核实：{note}）"[:300]
        feedback.save()
        log(instance=feedback, action="feedback.hold_decided", user=user,
            data={"counted": count_it, "note": note})  # fmt: skip
    _pages_changed(feedback)


def _pages_changed(feedback):
    """Ratings count at once: the power's and the department's pages and the published results
    are served fresh from now on."""
    paths = ["/evaluation/", "/api/v3/"]  # the API's reads show rating summaries
    for page in (feedback.power, feedback.department):
        if page is not None and page.url:
            paths.append(page.url)
    pagecache.invalidate_paths(paths)


class AlreadyRated(Exception):
    """This case has been rated (一事一评)."""

    def __init__(self, message="该办件已经评价过，每件只能评价一次。"):
        super().__init__(message)


class LookupLocked(Exception):
    """Too many wrong verifiers for this tracking number today: try tomorrow, or call 12345."""

    def __init__(self, message="这个受理编号今天核对失败的次数过多，请明天再查，"
                 "或拨打政务服务便民热线 12345。"):  # fmt: skip
        super().__init__(message)


def feedback_lookup(tracking_no: str, verifier: str, *, ip: str = "") -> Feedback | None:
    """The submission for a tracking number and the last four digits of its phone number (or
    the code on its receipt); None for any mismatch, the same answer as an unknown number.

    Four digits are guessable: after FEEDBACK_RATE_LIMITS["failed_lookups_per_number_and_source"]
    wrong answers for one number from one address in a day, that address gets no answer for the
    number that day (LookupLocked), right verifier or not; a stranger cannot lock the owner out.
    Guessing from many addresses at once locks the number for everyone after
    "failed_lookups_per_number" wrong answers in a day."""
    tracking_no = normalise_tracking_no(tracking_no)
    verifier = normalise_tracking_no(verifier)
    try:
        return ratelimit.guarded_lookup(
            "feedback-lookup", tracking_no, source_of(ip), lambda: _lookup(tracking_no, verifier),
            per_source=limit("failed_lookups_per_number_and_source"),
            per_number=limit("failed_lookups_per_number"), window=DAY,
        )  # fmt: skip
    except ratelimit.Guessing as error:
        raise LookupLocked() from error


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
