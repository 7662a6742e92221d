"""The table of every URL with a path parameter: how to build its parameters in the security
tests' world, who owns what it addresses, and what everyone else must get.

test_idor.py walks the resolver and fails when a parameterised URL is missing here, so a new
object URL cannot ship without someone deciding who may open it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from apps.cohorts.models import Membership
from apps.study.models import MockQuestion
from tests.security.routes import Route
from tests.security.world import ADMIN_OBJECTS, ROLES, World

# What a role that may not see an object gets. The portal answers 404 (a wrong id looks like a
# missing one); the admin sends everyone who is not staff to its own log-in page.
NOT_FOUND = "404"
LOGIN = "login"  # 302 to accounts:login?next=...
ADMIN_LOGIN = "admin_login"  # 302 to admin:login?next=...
OPEN = "open"  # not an owned object: everyone gets the page

# Owners that are not one person.
PUBLIC = "public"  # course pages: anyone, logged in or not
ANY_USER = "any_user"  # acts on the requester's own rows (rate a card, submit code)


@dataclass(frozen=True)
class ObjectURL:
    kwargs: Callable[[World], dict]
    owner: str  # a role of world.ROLES, PUBLIC or ANY_USER
    methods: tuple[str, ...] = ("get",)
    also_allowed: tuple[str, ...] = ()  # roles that see it like the owner (staff on cohorts)
    anonymous: str = LOGIN
    denied: str = NOT_FOUND
    htmx: bool = False  # the URL is an htmx partial: ask for it as htmx does
    owner_status: tuple[int, ...] = (200,)  # what the owner's GET answers
    data: dict | None = None  # what a post carries
    # Rows the URL could change: must read the same after every refused request.
    state: Callable[[World], object] | None = None

    def allowed_roles(self) -> set[str]:
        if self.owner in (PUBLIC, ANY_USER):
            return set(ROLES)
        return {self.owner, *self.also_allowed}

    def denied_roles(self) -> set[str]:
        return set(ROLES) - self.allowed_roles()


def _mock_question(w: World, position: int = 1):
    return MockQuestion.objects.get(mock=w.mock, position=position)


LEARNER_MOCK = {
    "owner": "learner",
    "state": lambda w: list(
        MockQuestion.objects.filter(mock=w.mock).values_list("notes", "scored_at", "covered")
    ),
}
COHORT = {"owner": "instructor", "also_allowed": ("staff",)}

OBJECT_URLS: dict[str, ObjectURL] = {
    # Course pages: published content, the same for everyone.
    "content:track": ObjectURL(lambda w: {"track_slug": w.track.slug}, PUBLIC, anonymous=OPEN),
    "content:lesson": ObjectURL(
        lambda w: {"track_slug": w.track.slug, "lesson_slug": w.lesson.slug},
        PUBLIC,
        anonymous=OPEN,
    ),
    "exercises:detail": ObjectURL(lambda w: {"slug": w.exercise.slug}, PUBLIC, anonymous=OPEN),
    # A card or an exercise is public; the post writes the requester's own review/submission.
    "study:rate": ObjectURL(
        lambda w: {"card_slug": w.card.slug},
        ANY_USER,
        methods=("post",),
        data={"rating": "3", "idempotency_key": "security-rate-1", "context": "lesson"},
    ),
    "exercises:submit": ObjectURL(
        lambda w: {"slug": w.exercise.slug},
        ANY_USER,
        methods=("post",),
        data={"code": "module.exports = { add: (a, b) => a + b };"},
    ),
    "exercises:give_up": ObjectURL(lambda w: {"slug": w.exercise.slug}, ANY_USER, ("post",)),
    "exercises:hint": ObjectURL(lambda w: {"slug": w.exercise.slug}, ANY_USER, ("post",)),
    "exercises:examples": ObjectURL(
        lambda w: {"slug": w.exercise.slug},
        ANY_USER,
        methods=("post",),
        data={"code": "module.exports = { add: (a, b) => a + b };"},
    ),
    # The join link is a capability: whoever holds the code may see and join the cohort.
    "cohorts:join": ObjectURL(lambda w: {"code": w.cohort.join_code}, PUBLIC, anonymous=OPEN),
    # A learner's own rows.
    "study:mock": ObjectURL(lambda w: {"pk": w.mock.pk}, **LEARNER_MOCK),
    "study:mock_results": ObjectURL(lambda w: {"pk": w.mock.pk}, **LEARNER_MOCK),
    "study:mock_reveal": ObjectURL(
        lambda w: {"pk": w.mock.pk, "position": 2},
        methods=("post",),
        data={"notes": "written by an intruder"},
        **LEARNER_MOCK,
    ),
    "study:mock_score": ObjectURL(
        lambda w: {"pk": w.mock.pk, "position": 1},
        methods=("post",),
        data={"covered": ["0", "1"]},
        **LEARNER_MOCK,
    ),
    # The status partial htmx polls: not behind login_required, anyone but the owner gets a
    # 404 (a logged-out poll gets no login page swapped into the results).
    "exercises:submission": ObjectURL(
        lambda w: {"submission_id": w.submission.pk},
        "learner",
        htmx=True,
        anonymous=NOT_FOUND,
    ),
    # The example run's status partial: like a submission's, its owner's only.
    "exercises:example_run": ObjectURL(
        lambda w: {"run_id": w.example_run.pk},
        "learner",
        htmx=True,
        anonymous=NOT_FOUND,
    ),
    "exercises:retry": ObjectURL(
        lambda w: {"submission_id": w.retryable.pk},
        "learner",
        methods=("post",),
        state=lambda w: type(w.retryable).objects.filter(pk=w.retryable.pk).values().get(),
    ),
    # Cohorts: their instructor and staff. Learners, even members, get a 404.
    "cohorts:dashboard": ObjectURL(lambda w: {"pk": w.cohort.pk}, **COHORT),
    "cohorts:settings": ObjectURL(
        lambda w: {"pk": w.cohort.pk},
        methods=("get", "post"),
        data={"name": "Renamed by an intruder"},
        state=lambda w: type(w.cohort).objects.values_list("name", flat=True).get(pk=w.cohort.pk),
        **COHORT,
    ),
    "cohorts:join_code_renew": ObjectURL(
        lambda w: {"pk": w.cohort.pk},
        methods=("post",),
        state=lambda w: type(w.cohort).objects.values_list("join_code").get(pk=w.cohort.pk),
        **COHORT,
    ),
    "cohorts:refresh": ObjectURL(lambda w: {"pk": w.cohort.pk}, methods=("post",), **COHORT),
    "cohorts:export_progress": ObjectURL(lambda w: {"pk": w.cohort.pk}, **COHORT),
    "cohorts:readiness": ObjectURL(lambda w: {"pk": w.cohort.pk}, **COHORT),
    "cohorts:export_readiness": ObjectURL(lambda w: {"pk": w.cohort.pk}, **COHORT),
    "cohorts:export_submissions": ObjectURL(lambda w: {"pk": w.cohort.pk}, **COHORT),
    "cohorts:learner": ObjectURL(lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk}, **COHORT),
    "cohorts:learner_remove": ObjectURL(
        lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk},
        methods=("get", "post"),
        state=lambda w: Membership.objects.filter(cohort=w.cohort, user=w.learner).exists(),
        **COHORT,
    ),
    "cohorts:submission": ObjectURL(
        lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk, "submission_id": w.submission.pk},
        **COHORT,
    ),
    # Leaving is the member's own act: nobody else can take them out through this URL.
    "cohorts:leave": ObjectURL(
        lambda w: {"pk": w.cohort.pk},
        "learner",
        methods=("post",),
        state=lambda w: Membership.objects.filter(cohort=w.cohort, user=w.learner).exists(),
    ),
    # The admin: staff only; anyone else is sent to the admin's log-in page.
    "admin:view_on_site": ObjectURL(
        lambda w: {
            "content_type_id": ContentType.objects.get_for_model(w.cohort).pk,
            "object_id": w.cohort.pk,
        },
        "staff",
        anonymous=ADMIN_LOGIN,
        denied=ADMIN_LOGIN,
        owner_status=(302,),  # to the object's page on the site
    ),
    "admin:auth_user_password_change": ObjectURL(
        lambda w: {"id": w.learner.pk}, "staff", anonymous=ADMIN_LOGIN, denied=ADMIN_LOGIN
    ),
    "admin:app_list": ObjectURL(
        lambda w: {"app_label": "cohorts"}, "staff", anonymous=ADMIN_LOGIN, denied=ADMIN_LOGIN
    ),
    # The admin's catch-all: any unknown admin path; staff get a 404 like everyone else
    # (nothing here is an object, the entry documents that it reveals nothing).
    r"admin/(?P<url>.*)$": ObjectURL(
        lambda w: {"url": "no/such/page/"},
        "staff",
        anonymous=ADMIN_LOGIN,
        denied=ADMIN_LOGIN,
        owner_status=(404,),
    ),
}


def _admin_object_urls() -> dict[str, ObjectURL]:
    """change, delete, history and the bare "<object_id>/" redirect of every admin model that
    ADMIN_OBJECTS knows how to build (a model it does not know stays uncovered, and fails)."""
    table = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in ADMIN_OBJECTS:
            continue
        app, name = label.split(".")

        def kwargs(w, label=label):
            return {"object_id": ADMIN_OBJECTS[label](w).pk}

        entry = ObjectURL(kwargs, "staff", anonymous=ADMIN_LOGIN, denied=ADMIN_LOGIN)
        for action in ("change", "delete", "history"):
            table[f"admin:{app}_{name}_{action}"] = entry
        # The bare object URL redirects to its change page.
        table[f"admin/{app}/{name}/<path:object_id>/"] = dataclasses.replace(
            entry, owner_status=(302,)
        )
    return table


OBJECT_URLS.update(_admin_object_urls())


def object_url(route: Route) -> ObjectURL:
    return OBJECT_URLS[route.key]
