"""Glue from the signals of Wagtail, the catalogue and the law library to the review services
(no rules here)."""

from django.db.models.signals import post_save
from wagtail.models import PageLogEntry, Revision
from wagtail.signals import page_published

from catalogue.models import PowerPage
from catalogue.signals import powers_bulk_created
from laws.signals import laws_no_longer_in_force

from .services import (
    adjustments_open_for_law,
    publication_decision_record,
    publication_record,
    publications_record_created,
    review_follows_revision,
)


def _page_published(sender, instance, revision=None, **kwargs):
    if revision is not None and isinstance(instance, PowerPage):
        publication_record(revision=revision, user=revision.user)


def _powers_bulk_created(sender, pages, revisions, published_at=None, user=None, **kwargs):
    if published_at is not None:
        publications_record_created(
            zip(pages, revisions, strict=True), published_at=published_at, user=user
        )


def _revision_saved(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw:
        review_follows_revision(revision=instance)


def _laws_no_longer_in_force(sender, laws, **kwargs):
    for law in laws:
        adjustments_open_for_law(law=law)


def _log_entry_saved(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw and instance.action == "wagtail.publish" and instance.revision_id:
        publication_decision_record(revision=instance.revision, published_by=instance.user_id)


def connect():
    post_save.connect(_log_entry_saved, sender=PageLogEntry, dispatch_uid="review-decision")
    post_save.connect(_revision_saved, sender=Revision, dispatch_uid="review-follows-revision")
    page_published.connect(_page_published, dispatch_uid="review-publication-record")
    powers_bulk_created.connect(_powers_bulk_created, dispatch_uid="review-bulk-publications")
    laws_no_longer_in_force.connect(_laws_no_longer_in_force, dispatch_uid="review-law-versions")
