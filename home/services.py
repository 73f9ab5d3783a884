"""Setting up the hall: the site, its home page (网上政务大厅), the catalogue and the index of the
life-event topics (一件事) under it."""

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from catalogue.models import PowerCatalogue
from topics.services import topic_index_ensure

from .models import HomePage

WAGTAIL_ROOT = "Root"
ROOT_PAGE_TITLE = "根页面"
ROOT_COLLECTION_NAME = "根集合"


@transaction.atomic
def site_structure_ensure(
    *, hall_title="网上政务大厅", catalogue_title="职权目录", hostname="localhost", port=80
):
    """Make sure the hall (home page), the catalogue, the topics' index and the default site
    exist; idempotent."""
    _tree_roots_ensure()
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(title=hall_title, slug="hall", live=True)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname=hostname,
            port=port,
            root_page=home,
            is_default_site=True,
            site_name="行政权力网上公开透明运行平台",
        )
    elif site.root_page_id != home.pk or not site.site_name:
        # Wagtail's initial migration made a site named after its host ("localhost"): the
        # admin's home names the platform instead.
        site.root_page = home
        site.site_name = site.site_name or "行政权力网上公开透明运行平台"
        site.save()
    # Wagtail's initial migration creates a placeholder "Welcome" page; it has no place here.
    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore")\
        .exclude(pk=home.pk).delete()  # fmt: skip
    catalogue = PowerCatalogue.objects.first()
    if catalogue is None:
        catalogue = PowerCatalogue(
            title=catalogue_title,
            slug="catalogue",
            intro="按照权力类别编制的职权目录，逐项列明权力名称、行使依据、办理流程、承办部门及人员。",
        )
        home.add_child(instance=catalogue)
        catalogue.save_revision().publish()
    topic_index_ensure(hall=home)
    return home, catalogue


def _tree_roots_ensure():
    """The default locale and the root page and collection, which Wagtail's migrations create;
    recreated here so that a flushed database can be set up again, and named in Chinese (the
    migrations name both "Root", which the admin shows in its breadcrumbs and choosers)."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node()
    if root is None:
        Page.add_root(instance=Page(title=ROOT_PAGE_TITLE, slug="root", live=True))
    elif root.title == WAGTAIL_ROOT:
        Page.objects.filter(pk=root.pk).update(title=ROOT_PAGE_TITLE, draft_title=ROOT_PAGE_TITLE)
    collection = Collection.get_first_root_node()
    if collection is None:
        Collection.add_root(name=ROOT_COLLECTION_NAME)
    elif collection.name == WAGTAIL_ROOT:
        Collection.objects.filter(pk=collection.pk).update(name=ROOT_COLLECTION_NAME)
