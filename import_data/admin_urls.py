from django.urls import path

from . import admin_views

app_name = "import_data"
urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("template.xlsx", admin_views.template_download, name="template"),
    path("<uuid:pk>/", admin_views.JobView.as_view(), name="job"),
]
