from django.urls import path

from . import views

app_name = "laws"
urlpatterns = [
    path("", views.law_list, name="list"),
    path("<int:pk>/", views.law_detail, name="detail"),
]
