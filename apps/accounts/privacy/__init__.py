"""Your data: downloading everything the portal keeps about you (CSV and JSON) and deleting
your account with all of it.

Direction of imports: this package imports study (its models and selectors) to export a
learner's progress; study never imports accounts (it names the user model through
settings.AUTH_USER_MODEL and get_user_model()). The pages keep their study addresses and names
(/study/data/, study:data, study:export_reviews, ...): portal/urls.py adds `urls.urlpatterns`
to the study namespace.
"""
