from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api.main import api
from catalogue import views as catalogue_views
from review import views as review_views
from search import views as search_views

urlpatterns = [
    path("api/v3/", api.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("search/json/", search_views.search_json, name="search_json"),
    path("search/suggest/", search_views.suggestions, name="search_suggest"),
    path("search/click/<int:entry>/<int:document>/", search_views.click, name="search_click"),
    path("p/<str:code>/", catalogue_views.power_short_url, name="power_short_url"),
    path("p/<str:code>/flowchart.svg", catalogue_views.flowchart_svg, name="power_flowchart_svg"),
    path("p/<str:code>/flowchart.png", catalogue_views.flowchart_png, name="power_flowchart_png"),
    path("p/<str:code>/guide.pdf", catalogue_views.guide_pdf, name="power_guide_pdf"),
    path("laws/", include("laws.urls")),
    path("cases/", include("cases.urls")),
    path("", include("supervision.public_urls")),
    path("", include("feedback.urls")),
    path("", include("import_data.urls")),
    path("adjustments/", review_views.adjustments, name="adjustments"),
    path("adjustments/feed/", review_views.AdjustmentsFeed(), name="adjustments_feed"),
    path("adjustments/feed/atom/", review_views.AdjustmentsAtomFeed(), name="adjustments_atom"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "disclosure.views.page_not_found"
handler500 = "disclosure.views.server_error"
