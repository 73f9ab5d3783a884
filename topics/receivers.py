"""Glue from Django's signals to the services of the layer below (no rules here)."""

from django.db.models.signals import post_save

from access.groups import topic_editors_ensure

from .models import TopicIndexPage


def _index_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    # Created or saved by any path (the site's set-up, the admin, the API): content
    # administrators may edit and publish the topics under it.
    if raw or not (created or update_fields is None):
        return
    topic_editors_ensure(instance)


def connect():
    post_save.connect(_index_saved, sender=TopicIndexPage, dispatch_uid="topics-index-editors")
