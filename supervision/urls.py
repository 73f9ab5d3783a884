from django.urls import path

from . import admin_views, views

app_name = "supervision"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("items/", views.ItemsView.as_view(), name="items"),
    path("alerts/", admin_views.AlertsView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", admin_views.AlertView.as_view(), name="alert"),
    path("orders/", admin_views.OrdersView.as_view(), name="orders"),
    path("orders/new/", admin_views.OrderCreateView.as_view(), name="order_new"),
    path("orders/<int:pk>/", admin_views.OrderView.as_view(), name="order"),
    path("findings/", admin_views.FindingsView.as_view(), name="findings"),
    path("findings/new/", admin_views.FindingCreateView.as_view(), name="finding_new"),
    path("completeness/", admin_views.CompletenessView.as_view(), name="completeness"),
    path(
        "completeness/<int:pk>/",
        admin_views.CompletenessDepartmentView.as_view(),
        name="completeness_department",
    ),
    path(
        "completeness/<int:pk>/deadline/",
        admin_views.CompletionDeadlineView.as_view(),
        name="completion_deadline",
    ),
]
