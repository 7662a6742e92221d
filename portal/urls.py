from django.contrib import admin
from django.urls import include, path

from apps.content import views as content_views
from apps.core import views as portal_views

urlpatterns = [
    path("", content_views.home, name="home"),
    path("", include("apps.content.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("study/", include("apps.study.urls")),
    path("exercises/", include("apps.exercises.urls")),
    path("cohorts/", include("apps.cohorts.urls")),
    path("admin/", admin.site.urls),
    path("ping/", portal_views.ping, name="ping"),
    path("healthz", portal_views.healthz, name="healthz"),
]

handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
