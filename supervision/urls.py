from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("items/", views.ItemsView.as_view(), name="items"),
]
