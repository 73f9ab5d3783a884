from django.urls import path

from . import admin_views

app_name = "feedback_admin"
urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("<int:pk>/", admin_views.DetailView.as_view(), name="detail"),
]
