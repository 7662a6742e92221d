from django.urls import path

from apps.content import views

app_name = "content"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("tracks/<slug:track_slug>/", views.track_detail, name="track"),
    path("tracks/<slug:track_slug>/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
]
