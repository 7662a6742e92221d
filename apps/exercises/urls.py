from django.urls import path

from apps.exercises import views

app_name = "exercises"

urlpatterns = [
    path("", views.exercise_list, name="list"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("submissions/<int:submission_id>/retry/", views.submission_retry, name="retry"),
    path("<slug:slug>/", views.exercise_detail, name="detail"),
    path("<slug:slug>/submit/", views.submission_submit, name="submit"),
    path("<slug:slug>/give-up/", views.exercise_give_up, name="give_up"),
]
