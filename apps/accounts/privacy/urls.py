"""The "Your data" addresses. No namespace of their own: portal/urls.py serves them under
/study/ in the study namespace, where they have always been (study:data, study:export_*)."""

from django.urls import path

from apps.accounts.privacy import views

urlpatterns = [
    path("data/", views.data, name="data"),
    path("data/reviews.csv", views.export_reviews_csv, name="export_reviews"),
    path("data/cards.csv", views.export_cards_csv, name="export_cards"),
    path("data/progress.json", views.export_json, name="export_json"),
]
