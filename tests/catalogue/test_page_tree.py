"""Page-tree rules: every page type lives in exactly one place."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from catalogue.models import DepartmentPage, PowerCatalogue, PowerPage
from home.models import HomePage
from topics.models import TopicIndexPage


class PageTreeRulesTest(WagtailPageTestCase):
    def test_the_hall_holds_only_the_catalogue_and_the_topics(self):
        self.assertAllowedSubpageTypes(HomePage, {PowerCatalogue, TopicIndexPage})
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_the_catalogue_holds_departments_and_departments_hold_powers(self):
        self.assertAllowedSubpageTypes(PowerCatalogue, {DepartmentPage})
        self.assertAllowedSubpageTypes(DepartmentPage, {PowerPage})
        self.assertAllowedParentPageTypes(PowerPage, {DepartmentPage})
        self.assertAllowedSubpageTypes(PowerPage, set())

    def test_a_power_cannot_be_created_anywhere_but_under_a_department(self):
        self.assertCanNotCreateAt(HomePage, PowerPage)
        self.assertCanNotCreateAt(PowerCatalogue, PowerPage)
        self.assertCanCreateAt(DepartmentPage, PowerPage)

    def test_there_is_one_hall_and_one_catalogue_of_many_departments(self):
        self.assertEqual(HomePage.max_count, 1)
        self.assertEqual(PowerCatalogue.max_count, 1)
        catalogue = PowerCatalogue.objects.get()
        self.assertFalse(PowerCatalogue.can_create_at(catalogue.get_parent()))
        self.assertTrue(DepartmentPage.can_create_at(catalogue))

    def test_every_page_type_renders(self):
        for page in (HomePage.objects.get(), PowerCatalogue.objects.get()):
            self.assertPageIsRenderable(page)
        self.assertPageIsRenderable(DepartmentPage.objects.first())
