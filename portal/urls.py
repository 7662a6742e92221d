from django.contrib import admin
from django.urls import include, path

from apps.accounts.privacy import urls as privacy_urls
from apps.content import views as content_views
from apps.core import views as portal_views
from apps.study import urls as study_urls

# "Your data" (apps/accounts/privacy) keeps its study addresses and names (study:data, ...);
# joined here so that study never imports accounts.
study_and_privacy = (study_urls.urlpatterns + privacy_urls.urlpatterns, study_urls.app_name)

urlpatterns = [
    path("", content_views.home, name="home"),
    path("", include("apps.content.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("study/", include(study_and_privacy)),
    path("exercises/", include("apps.exercises.urls")),
    path("cohorts/", include("apps.cohorts.urls")),
    path("admin/", admin.site.urls),
    path("ping/", portal_views.ping, name="ping"),
    path("healthz", portal_views.healthz, name="healthz"),
]

handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
