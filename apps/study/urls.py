"""Study's addresses, under /study/. The "Your data" pages keep their addresses and names in
this namespace (study:data, study:export_*) but live in apps/accounts/privacy/: portal/urls.py
adds them here, so study never imports accounts."""

from django.urls import path

from apps.study.views import dashboard, mocks, plan, review

app_name = "study"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("review/", review.review, name="review"),
    path("cards/<slug:card_slug>/rate/", review.rate, name="rate"),
    path("plan/", plan.plan, name="plan"),
    path("plan/update/", plan.plan_update, name="plan_update"),
    path("plan/new-cards/", plan.new_cards_update, name="new_cards"),
    path("plan/interview-date/", plan.interview_date_update, name="interview_date"),
    path("mock/", mocks.mock_new, name="mock_new"),
    path("mock/<int:pk>/", mocks.mock_detail, name="mock"),
    path("mock/<int:pk>/<int:position>/reveal/", mocks.mock_reveal, name="mock_reveal"),
    path("mock/<int:pk>/<int:position>/score/", mocks.mock_score, name="mock_score"),
    path("mock/<int:pk>/results/", mocks.mock_results, name="mock_results"),
]
