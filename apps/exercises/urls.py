from django.urls import path

from apps.exercises import views

app_name = "exercises"

urlpatterns = [
    path("", views.exercise_list, name="list"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("submissions/<int:submission_id>/retry/", views.submission_retry, name="retry"),
    path("example-runs/<int:run_id>/", views.example_run_detail, name="example_run"),
    path("<slug:slug>/", views.exercise_detail, name="detail"),
    path("<slug:slug>/examples/", views.example_run_submit, name="examples"),
    path("<slug:slug>/submit/", views.submission_submit, name="submit"),
    path("<slug:slug>/give-up/", views.exercise_give_up, name="give_up"),
    path("<slug:slug>/hint/", views.exercise_hint, name="hint"),
]
