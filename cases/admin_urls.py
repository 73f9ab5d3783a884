from django.urls import path

from . import admin_views

app_name = "cases_admin"
urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("window/", admin_views.WindowView.as_view(), name="window"),
    path("posts/", admin_views.PostsView.as_view(), name="posts"),
    path("<int:pk>/", admin_views.CaseView.as_view(), name="case"),
    path("<int:pk>/receipt/", admin_views.ReceiptView.as_view(), name="receipt"),
    path(
        "<int:pk>/materials/<int:material>/", admin_views.MaterialView.as_view(), name="material"
    ),  # fmt: skip
]
