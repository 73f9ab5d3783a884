from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.feedback_new, name="feedback_new"),
    path("feedback/submit/", views.feedback_submit_view, name="feedback_submit"),
    path("feedback/lookup/", views.feedback_lookup_view, name="feedback_lookup"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path(
        "evaluation/download.csv", views.evaluation_download, {"fmt": "csv"}, name="evaluation_csv"
    ),
    path(
        "evaluation/download.xlsx",
        views.evaluation_download,
        {"fmt": "xlsx"},
        name="evaluation_xlsx",
    ),
]
