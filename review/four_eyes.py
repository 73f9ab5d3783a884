"""Four eyes (四眼原则): the legal office's approval is a second person's. Nobody approves a
change they wrote or submitted: the authors of every revision since the power was last
published, and whoever submitted (or resubmitted) it. A reviewer who corrects the text under
review becomes one of its authors, so another reviewer approves it.

A superuser may still approve alone; that is recorded as a sole decision (单人决定) and shown in
电子监察, as is every publication without a second person's review (the right to publish
directly). The task (review.models.LegalOfficeReviewTask) asks here on every path: the admin's
workflow buttons, the API's approve endpoint and review.services."""

from wagtail.models import PageLogEntry, Revision

from .changes import changes_anything

SUBMISSION_ACTIONS = ("wagtail.workflow.start", "wagtail.workflow.resume")
SOLE_DECISION_ACTION = "review.sole_decision"
REFUSED = (
    "四眼原则：您编写或提交了这次修改，不能自己审核通过。"
    "请由法制办另一位审核人员审核；如需修改，可退回或继续修改后由他人审核。"
)


def involved_user_ids(page, workflow_state, *, since=None, until=None) -> set[int]:
    """Everyone who wrote or submitted a change: the authors of the page's revisions after
    `since` (by default the live revision) up to `until` (a revision id, or the latest), and the
    submitters of `workflow_state` (if any)."""
    since = page.live_revision_id if since is None else since
    revisions = Revision.page_revisions.filter(object_id=str(page.pk), pk__gt=since or 0)
    if until is not None:
        revisions = revisions.filter(pk__lte=until)
    authors = _authors_of_changes(list(revisions.order_by("pk")), since)
    if workflow_state is None:
        return authors
    submitters = set(
        PageLogEntry.objects.filter(
            page_id=page.pk,
            action__in=SUBMISSION_ACTIONS,
            timestamp__gte=workflow_state.created_at,
            user__isnull=False,
        ).values_list("user_id", flat=True)
    )
    if workflow_state.requested_by_id:
        submitters.add(workflow_state.requested_by_id)
    return authors | submitters


def _authors_of_changes(revisions, since) -> set[int]:
    """The authors of the revisions that changed something (saving the same text again, as the
    admin's editor may when a reviewer only clicks "approve", makes nobody an author)."""
    authors = set()
    previous = Revision.objects.filter(pk=since).first() if since else None
    before = previous.as_object() if previous else None
    for revision in revisions:
        after = revision.as_object()
        if revision.user_id and (before is None or changes_anything(before, after)):
            authors.add(revision.user_id)
        before = after
    return authors


def is_involved(user, page, workflow_state) -> bool:
    return user.pk in involved_user_ids(page, workflow_state)
