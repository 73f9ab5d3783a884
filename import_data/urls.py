from django.urls import path

from . import views

urlpatterns = [
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/powers.<str:fmt>", views.download, name="open_data_download"),
]
