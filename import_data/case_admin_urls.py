from django.urls import path

from . import case_admin_views as views

app_name = "case_records"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("template.xlsx", views.template_download, name="template"),
    path("export/", views.export_download, name="export"),
]
