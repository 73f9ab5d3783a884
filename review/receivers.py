"""Glue from Wagtail's signals to the review services (no rules here)."""


def _page_published(sender, instance, revision=None, **kwargs):
    from catalogue.models import PowerPage

    from .services import publication_record

    if revision is not None and isinstance(instance, PowerPage):
        publication_record(revision=revision, user=revision.user)


def connect():
    from wagtail.signals import page_published

    page_published.connect(_page_published, dispatch_uid="review-publication-record")
