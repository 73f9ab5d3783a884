"""The online hall (网上政务大厅): the site's home page."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from access.permissions import ContainerPagePermissionTester
from catalogue.selectors import hall_overview
from topics.selectors import topic_summaries


class HomePage(Page):
    """网上政务大厅: citizens start here with a search, the life-event topics (一件事), the power
    types, and the departments."""

    intro = models.TextField("欢迎语", blank=True, max_length=1000)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["catalogue.PowerCatalogue", "topics.TopicIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "网上政务大厅"
        verbose_name_plural = "网上政务大厅"

    def permissions_for_user(self, user):
        return ContainerPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(hall_overview())
        context["topics"] = topic_summaries()
        return context
