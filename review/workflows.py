"""What happens when the legal office's workflow finishes (WAGTAIL_FINISH_WORKFLOW_ACTION)."""


def publish_reviewed_revision(workflow_state, user=None):
    """Publish the revision the legal office approved — not simply the latest one, as Wagtail's
    default does. The admin locks a power in review, but a newer revision could still appear
    (another way in, a bug): it must never go live unreviewed. It stays a draft."""
    task_state = workflow_state.current_task_state
    revision = task_state.revision if task_state is not None else None
    if revision is None:
        revision = workflow_state.content_object.get_latest_revision()
    # The approval is the decision: the reviewer need not hold the right to publish directly
    # (access.permissions.PowerPagePermissionTester), which is for publishing without review.
    revision.publish(user=user, skip_permission_checks=True)
