from django.urls import path

from apps.study import plan_views, views

app_name = "study"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("review/", views.review, name="review"),
    path("cards/<slug:card_slug>/rate/", views.rate, name="rate"),
    path("plan/", plan_views.plan, name="plan"),
    path("plan/update/", plan_views.plan_update, name="plan_update"),
    path("plan/new-cards/", views.new_cards_update, name="new_cards"),
    path("plan/interview-date/", views.interview_date_update, name="interview_date"),
    path("mock/", views.mock_new, name="mock_new"),
    path("mock/<int:pk>/", views.mock_detail, name="mock"),
    path("mock/<int:pk>/<int:position>/reveal/", views.mock_reveal, name="mock_reveal"),
    path("mock/<int:pk>/<int:position>/score/", views.mock_score, name="mock_score"),
    path("mock/<int:pk>/results/", views.mock_results, name="mock_results"),
    path("data/", views.data, name="data"),
    path("data/reviews.csv", views.export_reviews_csv, name="export_reviews"),
    path("data/cards.csv", views.export_cards_csv, name="export_cards"),
    path("data/progress.json", views.export_json, name="export_json"),
]
