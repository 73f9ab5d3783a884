from django.urls import path

from . import views

app_name = "manual"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("<slug:slug>/", views.TaskView.as_view(), name="task"),
]
