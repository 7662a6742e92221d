from django.urls import path

from apps.cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("join/", views.join_by_code, name="join_by_code"),
    path("join/<str:code>/", views.join, name="join"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/settings/", views.settings_page, name="settings"),
    path("<int:pk>/join-code/", views.join_code_renew, name="join_code_renew"),
    path("<int:pk>/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/export/progress.csv", views.export_progress, name="export_progress"),
    path("<int:pk>/export/submissions.csv", views.export_submissions, name="export_submissions"),
    path("<int:pk>/readiness/", views.readiness, name="readiness"),
    path("<int:pk>/export/readiness.csv", views.export_readiness, name="export_readiness"),
    path("<int:pk>/learners/<int:user_id>/", views.learner, name="learner"),
    path("<int:pk>/learners/<int:user_id>/remove/", views.learner_remove, name="learner_remove"),
    path(
        "<int:pk>/learners/<int:user_id>/submissions/<int:submission_id>/",
        views.submission,
        name="submission",
    ),
]
