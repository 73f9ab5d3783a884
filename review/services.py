"""Writes of the review process: adjustment requirements, submissions, decisions and the public
record of approved changes. Views, hooks, commands and signal receivers call these."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, PageLogEntry, TaskState, WorkflowPage, WorkflowState

from catalogue.models import DepartmentPage, PowerPage
from laws.models import Law, LawStatus
from workdays.calendar import WorkCalendar

from . import four_eyes
from .changes import changed_field_labels
from .models import (
    AdjustmentRequirement,
    AdjustmentTrigger,
    FunctionChange,
    PowerPublication,
)


class ReviewError(ValueError):
    """A review action was refused; the message says why, in Chinese."""


class ReviewPermissionError(ReviewError):
    """The user may not do this (a ReviewError, so callers that catch those still do)."""


# --- Adjustment requirements ----------------------------------------------------------------


def _live_powers_citing(law):
    return PowerPage.objects.live().filter(legal_bases__law=law).distinct()


@transaction.atomic
def adjustments_open_for_law(*, law: Law, user=None, calendar=None) -> list[AdjustmentRequirement]:
    """Every live power citing `law` gets an open requirement, due a number of working days after
    the law's change. A power that already has one for this law is left as it is."""
    if law.status == LawStatus.IN_FORCE and not law.superseded_by.exists():
        return []
    changed_on = law.status_changed_on or _newest_successor_date(law) or timezone.localdate()
    trigger = (
        AdjustmentTrigger.LAW_REPEALED
        if law.status == LawStatus.REPEALED
        else AdjustmentTrigger.LAW_AMENDED
    )
    calendar = calendar or WorkCalendar.load()
    due_on = calendar.add_working_days(changed_on, settings.ADJUSTMENT_DEADLINE_WORKING_DAYS)
    opened = []
    for power in _live_powers_citing(law):
        already = AdjustmentRequirement.objects.filter(
            power=power, law=law, trigger=trigger, changed_on=changed_on
        )
        if already.exists():  # open, or closed: the power was adjusted for this very change
            continue
        requirement, created = AdjustmentRequirement.objects.get_or_create(
            power=power,
            law=law,
            trigger=trigger,
            closed_at=None,
            defaults={"changed_on": changed_on, "due_on": due_on},
        )
        if created:
            opened.append(requirement)
            log(
                instance=power,
                action="review.adjustment_opened",
                user=user,
                data={"reason": requirement.reason, "due_on": due_on.isoformat()},
            )
    return opened


def _newest_successor_date(law):
    successor = law.superseded_by.order_by("-version_date").first()
    return successor.version_date if successor else None


@transaction.atomic
def law_supersede(*, law: Law, changed_on: datetime.date, repealed=False, user=None):
    """Record that a law was amended (or repealed) on `changed_on`, and open the adjustments."""
    law.status = LawStatus.REPEALED if repealed else LawStatus.AMENDED
    law.status_changed_on = changed_on
    law.full_clean()
    law.save(update_fields=["status", "status_changed_on"])
    return adjustments_open_for_law(law=law, user=user)


@transaction.atomic
def function_change_record(
    *, department: DepartmentPage, changed_on: datetime.date, description: str, user=None
) -> FunctionChange:
    """Record a change of a department's functions; every live power of the department must be
    declared again within the adjustment deadline."""
    if not description.strip():
        raise ReviewError("请填写机构职能调整的内容。")
    change = FunctionChange.objects.create(
        department=department, changed_on=changed_on, description=description.strip(),
        recorded_by=user,
    )  # fmt: skip
    function_change_open_requirements(change=change, user=user)
    return change


def function_change_open_requirements(*, change: FunctionChange, user=None):
    calendar = WorkCalendar.load()
    due_on = calendar.add_working_days(change.changed_on, settings.ADJUSTMENT_DEADLINE_WORKING_DAYS)
    powers = PowerPage.objects.live().child_of(change.department)
    for power in powers:
        _requirement, created = AdjustmentRequirement.objects.get_or_create(
            power=power,
            function_change=change,
            closed_at=None,
            defaults={
                "trigger": AdjustmentTrigger.FUNCTIONS_CHANGED,
                "changed_on": change.changed_on,
                "due_on": due_on,
            },
        )
        if created:
            log(
                instance=power,
                action="review.adjustment_opened",
                user=user,
                data={
                    "reason": f"机构职能调整：{change.description}",
                    "due_on": due_on.isoformat(),
                },
            )


# --- Submission and decisions ---------------------------------------------------------------


def power_submit(*, power: PowerPage, user):
    """Submit the latest revision of a power to the legal office."""
    power = PowerPage.objects.get(pk=power.pk)
    if not power.permissions_for_user(user).can_edit():
        raise ReviewPermissionError("您没有修改该事项的权限，不能提交审核。")
    if power.workflow_in_progress:
        raise ReviewError("该事项已在法制办审核中，请等待审核结果，不要重复提交。")
    workflow = power.get_workflow()
    if workflow is None:
        raise ReviewError("职权目录尚未设置法制办审核流程，请联系站点管理员。")
    if not power.has_unpublished_changes:
        raise ReviewError("该事项没有待审核的修改。")
    state = power.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)  # back to the legal office after a rejection, as the admin does
        return state
    return workflow.start(power, user)


def powers_submit_bulk(*, power_ids, user, progress=None) -> int:
    """Submit many powers to the legal office at once (a spreadsheet import): what power_submit
    does for each — a workflow state, the legal office's task on the latest revision, the
    audit entry "wagtail.workflow.start" — with a few statements per 500 powers, and one email
    to the reviewers for the whole batch instead of one per power. Powers that need more than
    that (an earlier submission sent back for changes, a lock to release, a workflow of their
    own) go through power_submit one by one. Refuses like power_submit (ReviewError; call it
    inside a transaction to write nothing then). Returns the number submitted;
    progress(done, total) is called after each chunk."""
    ids = sorted(set(power_ids))
    page_type = ContentType.objects.get_for_model(Page)
    power_type = ContentType.objects.get_for_model(PowerPage)
    workflows = _workflows_by_path()
    submitted, bulk, first = 0, 0, []
    for start in range(0, len(ids), SUBMIT_CHUNK):
        chunk = ids[start : start + SUBMIT_CHUNK]
        batch, one_by_one = _submission_batch(chunk, user, workflows, page_type)
        for power in one_by_one:
            power_submit(power=power, user=user)
        if batch:
            _start_workflows(batch, user, power_type, page_type)
        submitted += len(batch) + len(one_by_one)
        bulk += len(batch)
        first.extend(batch[: 50 - len(first)])
        if progress:
            progress(start + len(chunk), len(ids))
    _notify_reviewers(first, bulk, user)
    return submitted


SUBMIT_CHUNK = 500


def _submission_batch(ids, user, workflows, page_type):
    """Check the powers as power_submit would; split them into those written in bulk
    ([(power, workflow, task)]) and those submitted one by one."""
    open_states = {
        int(object_id): status
        for object_id, status in WorkflowState.objects.filter(
            base_content_type=page_type,
            object_id__in=[str(pk) for pk in ids],
            status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
        ).values_list("object_id", "status")
    }
    own_workflow = set(
        WorkflowPage.objects.filter(page_id__in=ids).values_list("page_id", flat=True)
    )
    batch, one_by_one = [], []
    for power in PowerPage.objects.filter(pk__in=ids).order_by("path"):
        if not power.permissions_for_user(user).can_edit():
            message = f"事项 {power.code}：您没有修改该事项的权限，不能提交审核。"
            raise ReviewPermissionError(message)
        status = open_states.get(power.pk)
        if status == WorkflowState.STATUS_IN_PROGRESS:
            raise ReviewError(f"事项 {power.code} 已在法制办审核中，请等待审核结果，不要重复提交。")
        if not power.has_unpublished_changes:
            raise ReviewError(f"事项 {power.code} 没有待审核的修改。")
        workflow = _nearest(workflows, power.path)
        if workflow is None:
            raise ReviewError("职权目录尚未设置法制办审核流程，请联系站点管理员。")
        if status or power.pk in own_workflow or power.locked or workflow.first_task is None:
            one_by_one.append(power)
        else:
            batch.append((power, workflow, workflow.first_task))
    return batch, one_by_one


def _workflows_by_path():
    """Active workflows by the path of the page they are assigned to, each with its first active
    task (Workflow.start's next task)."""
    workflows = {}
    if not getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
        return workflows
    for link in WorkflowPage.objects.filter(workflow__active=True).select_related(
        "workflow", "page"
    ):
        workflow = link.workflow
        first = (
            workflow.workflow_tasks.filter(task__active=True)
            .order_by("sort_order")
            .select_related("task")
            .first()
        )
        task = first.task.specific if first else None
        # only the plain task state (Wagtail's group approval, ours) can be written in bulk
        ok = task is not None and task.get_task_state_class() is TaskState
        workflow.first_task = task if ok else None
        workflows[link.page.path] = workflow
    return workflows


def _nearest(workflows, path):
    """The workflow of the nearest page (itself or an ancestor) that has one, as
    Page.get_workflow() finds it."""
    for end in range(len(path), 0, -PowerPage.steplen):
        if path[:end] in workflows:
            return workflows[path[:end]]
    return None


def _start_workflows(batch, user, power_type, page_type):
    states = WorkflowState.objects.bulk_create(
        [
            WorkflowState(
                content_type=power_type,
                base_content_type=page_type,
                object_id=str(power.pk),
                workflow=workflow,
                status=WorkflowState.STATUS_IN_PROGRESS,
                requested_by=user,
            )
            for power, workflow, _task in batch
        ]
    )
    task_states = TaskState.objects.bulk_create(
        [
            TaskState(
                workflow_state=state,
                revision_id=power.latest_revision_id,
                task=task,
                status=TaskState.STATUS_IN_PROGRESS,
            )
            for state, (power, _workflow, task) in zip(states, batch, strict=True)
        ]
    )
    for state, task_state in zip(states, task_states, strict=True):
        state.current_task_state = task_state
    WorkflowState.objects.bulk_update(states, ["current_task_state"])
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                content_type=power_type,
                label=power.get_admin_display_title(),
                action="wagtail.workflow.start",
                timestamp=state.created_at,
                data={
                    "workflow": {
                        "id": workflow.id,
                        "title": workflow.name,
                        "status": state.status,
                        "next": {"id": task.id, "title": task.name},
                        "task_state_id": task_state.id,
                    }
                },
                user=user,
                page_id=power.pk,
                revision_id=power.latest_revision_id,
            )
            for state, task_state, (power, workflow, task) in zip(
                states, task_states, batch, strict=True
            )
        ]
    )


def _notify_reviewers(batch, count, user):
    """One email to the legal office for a batch (Wagtail would send one per power); batch
    holds the first few powers, count says how many there are."""
    if not batch:
        return
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    tasks = {task.pk: task for _p, _w, task in batch}
    groups = {group.pk for task in tasks.values() for group in task.groups.all()}
    recipients = (
        get_user_model()
        .objects.filter(groups__in=groups, is_active=True)
        .exclude(pk=user.pk)
        .exclude(email="")
        .exclude(wagtail_userprofile__submitted_notifications=False)
        .distinct()
        .values_list("email", flat=True)
    )
    recipients = list(recipients)
    if not recipients:
        return
    names = "\n".join(f"  {power.code} {power.title}" for power, _w, _t in batch[:50])
    more = f"\n  ……共 {count} 项" if count > len(batch) else ""
    who = user.get_full_name() or user.get_username()
    subject = f"【法制办审核】{who} 批量提交了 {count} 项职权事项待审核"
    body = (
        f"{who} 通过批量导入提交了 {count} 项职权事项，请在管理后台“待我审核”中处理：\n\n"
        f"{names}{more}\n"
    )
    # sent once the import's transaction commits (nothing is sent for a refused import)
    transaction.on_commit(
        lambda: send_mail(
            subject,
            body,
            settings.WAGTAILADMIN_NOTIFICATION_FROM_EMAIL,
            recipients,
            fail_silently=True,
        )
    )


def _in_progress_task_state(power) -> TaskState:
    task_state = PowerPage.objects.get(pk=power.pk).current_workflow_task_state
    if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewError("该事项当前没有待审核的提交（可能已被审核）。")
    return task_state.specific


def review_follows_revision(*, revision) -> None:
    """A reviewer's revision saved while its power is in review (correcting the text) becomes
    the revision under review: approving publishes what the reviewers last saw, and its author
    is then one of those who may not approve it (review.four_eyes). A revision by anyone else
    (a way around the lock) is never taken into the review: it cannot go live unreviewed."""
    if revision.user is None:
        return
    task_state = (
        TaskState.objects.filter(
            status=TaskState.STATUS_IN_PROGRESS,
            workflow_state__status=WorkflowState.STATUS_IN_PROGRESS,
            workflow_state__base_content_type_id=revision.base_content_type_id,
            workflow_state__object_id=revision.object_id,
        )
        .exclude(revision=revision)
        .select_related("task")
        .first()
    )
    if task_state is None:
        return
    task = task_state.task.specific
    if task.user_can_access_editor(revision.content_object, revision.user):
        task_state.revision = revision
        task_state.save(update_fields=["revision"])


def review_approve(*, power: PowerPage, user, comment=""):
    """The legal office approves the submitted revision, which publishes it."""
    task_state = _in_progress_task_state(power)
    task = task_state.task.specific
    if not task.user_can_access_editor(power, user) and not user.is_superuser:
        raise ReviewPermissionError("只有法制办审核人员可以审核。")
    try:
        task.on_action(task_state, user, "approve", comment=comment)
    except PermissionDenied as error:  # four eyes: the task's own rule
        raise ReviewPermissionError(str(error)) from error


def review_reject(*, power: PowerPage, user, comment: str):
    """The legal office returns the submission to the department with a comment."""
    if not comment.strip():
        raise ReviewError("退回修改时请填写审核意见。")
    task_state = _in_progress_task_state(power)
    task = task_state.task.specific
    if not task.user_can_access_editor(power, user) and not user.is_superuser:
        raise ReviewPermissionError("只有法制办审核人员可以审核。")
    task.on_action(task_state, user, "reject", comment=comment.strip())


# --- The public record ----------------------------------------------------------------------


@transaction.atomic
def publication_record(*, revision, user=None) -> PowerPublication | None:
    """Record an approved (published) revision of a power for its public history, and close the
    power's open adjustment requirements with the editor's stated reason. Who put it live, and
    whether a second person reviewed it, is added by publication_decision_record (never shown in
    public)."""
    if PowerPublication.objects.filter(revision=revision).exists():
        return None
    power = revision.as_object()
    previous = (
        PowerPublication.objects.filter(power_id=power.pk)
        .select_related("revision")
        .order_by("-published_at", "-id")
        .first()
    )
    labels = [] if previous is None else changed_field_labels(previous.revision.as_object(), power)
    first_task = TaskState.objects.filter(revision=revision).order_by("started_at").first()
    publication = PowerPublication.objects.create(
        power_id=power.pk,
        revision=revision,
        published_at=timezone.now(),
        submitted_at=first_task.started_at if first_task else None,
        is_creation=previous is None,
        changed_fields=labels,
        note=power.change_note,
    )
    requirements_close(power=power, revision=revision, note=power.change_note, user=user)
    return publication


def publication_decision_record(*, revision, published_by) -> None:
    """Who put this revision live, and whether that was one person's decision: published
    directly (no approval), or approved by someone who wrote or submitted the change (a
    superuser: review.four_eyes). Called when Wagtail logs the publication, which it does
    after its page_published signal; loaders that run as no one (the demo) are nobody's."""
    publication = PowerPublication.objects.filter(revision=revision).select_related("power").first()
    if publication is None or published_by is None:
        return
    approval = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED)
        .select_related("workflow_state")
        .order_by("-finished_at")
        .first()
    )
    sole = True
    if approval is not None:
        previous = (
            PowerPublication.objects.filter(power_id=publication.power_id)
            .exclude(pk=publication.pk)
            .order_by("-published_at", "-id")
            .values_list("revision_id", flat=True)
            .first()
        )
        involved = four_eyes.involved_user_ids(
            publication.power, approval.workflow_state, since=previous or 0, until=revision.pk
        )
        sole = published_by in involved
    publication.approved_by_id = published_by
    publication.sole_decision = sole
    publication.save(update_fields=["approved_by", "sole_decision"])


def publications_record_created(pairs, *, published_at, user=None):
    """The public record of newly created powers published at once, in bulk: what
    publication_record writes for a first publication (pairs of (power, revision)). A new power
    has no earlier publication and no open adjustment requirement to close. Published directly
    by a person, each is that person's sole decision."""
    PowerPublication.objects.bulk_create(
        [
            PowerPublication(
                power_id=power.pk,
                revision=revision,
                published_at=published_at,
                submitted_at=None,
                is_creation=True,
                changed_fields=[],
                note=power.change_note,
                approved_by_id=getattr(user, "pk", None),
                sole_decision=user is not None,
            )  # fmt: skip
            for power, revision in pairs
        ],
        batch_size=500,
    )


def requirements_close(*, power, revision, note, user=None):
    open_items = list(AdjustmentRequirement.objects.open().filter(power_id=power.pk))
    if not open_items:
        return
    AdjustmentRequirement.objects.filter(pk__in=[item.pk for item in open_items]).update(
        closed_at=timezone.now(), closing_revision=revision, closing_note=note
    )
    log(
        instance=PowerPage.objects.get(pk=power.pk),
        action="review.adjustment_closed",
        user=user,
        data={"count": len(open_items), "note": note},
    )
