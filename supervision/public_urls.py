from django.urls import path

from . import public_views

urlpatterns = [
    path("performance/", public_views.performance, name="performance"),
    path("performance/download.csv", public_views.performance_download, {"fmt": "csv"},
         name="performance_csv"),
    path("performance/download.xlsx", public_views.performance_download, {"fmt": "xlsx"},
         name="performance_xlsx"),
]  # fmt: skip
