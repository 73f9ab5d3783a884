"""Setting up the review: the roles' groups (access.groups) and the 法制办审核 workflow assigned
to the catalogue, so that every new power and every change goes through the legal office.
Idempotent: `manage.py setup_review` runs it on every `make run`."""

from django.db import transaction
from wagtail.models import Page, Task, Workflow, WorkflowPage, WorkflowTask

from access.groups import roles_ensure
from access.roles import LEGAL_OFFICE
from catalogue.models import DepartmentPage, PowerCatalogue

from .models import TASK_NAME, WORKFLOW_NAME, LegalOfficeReviewTask

# Wagtail's sample workflow and its task, both named so by its migrations.
WAGTAIL_SAMPLE = "Moderators approval"
SAMPLE_SWITCHED_OFF = "示例审批（已停用）"


@transaction.atomic
def review_setup_ensure() -> Workflow:
    """Create or repair the groups and the workflow; returns the workflow."""
    catalogue = PowerCatalogue.objects.get()
    groups = roles_ensure(catalogue=catalogue, departments=DepartmentPage.objects.all())
    workflow = workflow_ensure(catalogue=catalogue, legal_office=groups[LEGAL_OFFICE])
    _wagtail_sample_workflow_remove(workflow)
    return workflow


def workflow_ensure(*, catalogue, legal_office) -> Workflow:
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    task = LegalOfficeReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = LegalOfficeReviewTask.objects.create(name=TASK_NAME)
    task.groups.set([legal_office])
    # The workflow has exactly this one step (an older plain group-approval task is replaced).
    WorkflowTask.objects.filter(workflow=workflow).exclude(task=task).delete()
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=catalogue, defaults={"workflow": workflow})
    return workflow


def _wagtail_sample_workflow_remove(workflow):
    """Wagtail's sample workflow on the root would let its moderators publish around the legal
    office: it is taken off the tree and switched off."""
    root = Page.get_first_root_node()
    WorkflowPage.objects.filter(page=root).exclude(workflow=workflow).delete()
    # Switched off and named in Chinese (its name shows among the workflows, tasks and the
    # reports' filters); kept, since pages moderated before the platform's setup may refer to it.
    Workflow.objects.filter(name=WAGTAIL_SAMPLE).update(name=SAMPLE_SWITCHED_OFF, active=False)
    Task.objects.filter(name=WAGTAIL_SAMPLE).update(name=SAMPLE_SWITCHED_OFF, active=False)
