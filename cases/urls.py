from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("lookup/", views.lookup, name="lookup"),
    path("apply/<str:code>/", views.apply, name="apply"),
    path("<str:case_no>/", views.case_detail, name="detail"),
]
