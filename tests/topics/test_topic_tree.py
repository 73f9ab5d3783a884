"""Where the life-event topics live: one index under the hall, topics only in it."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from catalogue.models import DepartmentPage, PowerCatalogue, PowerPage
from home.models import HomePage
from tests.factories import make_topic, make_user, publish_power
from topics.models import TopicIndexPage, TopicPage
from topics.services import topic_index_ensure


class TopicTreeRulesTest(WagtailPageTestCase):
    def test_one_index_under_the_hall_holds_the_topics_and_topics_hold_nothing(self):
        self.assertAllowedParentPageTypes(TopicIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(TopicIndexPage, {TopicPage})
        self.assertAllowedParentPageTypes(TopicPage, {TopicIndexPage})
        self.assertAllowedSubpageTypes(TopicPage, set())
        self.assertEqual(TopicIndexPage.max_count, 1)
        self.assertFalse(TopicIndexPage.can_create_at(HomePage.objects.get()))  # there is one
        for parent in (HomePage, PowerCatalogue, DepartmentPage, PowerPage, Page):
            self.assertCanNotCreateAt(parent, TopicPage)

    def test_the_site_set_up_makes_the_index_once_and_it_is_never_deleted_with_topics_in_it(self):
        index = TopicIndexPage.objects.get()
        self.assertEqual(topic_index_ensure(hall=HomePage.objects.get()).pk, index.pk)
        self.assertEqual(index.url, "/topics/")
        self.assertPageIsRenderable(index)
        power = publish_power()
        topic = make_topic((power.code, "先办"))
        self.assertPageIsRenderable(topic)
        superuser = make_user("root", superuser=True)
        self.assertFalse(TopicIndexPage.objects.get().permissions_for_user(superuser).can_delete())
        self.assertTrue(topic.permissions_for_user(superuser).can_delete())
