import os

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from apps.core import kombu_fixes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

kombu_fixes.apply()  # a broker outage must not kill the worker (see the module)

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The message header that carries the publisher's request id to the worker.
REQUEST_ID_TASK_HEADER = "x_request_id"


@setup_logging.connect
def use_django_logging(loglevel=None, **kwargs) -> None:
    """Workers and beat log like the web processes (settings.LOGGING: JSON lines or text, with
    the request id) instead of Celery's own format. `--loglevel` can only make it chattier."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    root = logging.getLogger()
    if loglevel and int(loglevel) < root.level:
        root.setLevel(int(loglevel))


@before_task_publish.connect
def publish_request_id(headers=None, **kwargs) -> None:
    """A task published while serving a request (or running a task) carries its request id."""
    from apps.core.logging import current_request_id

    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_TASK_HEADER, request_id)


_bound: dict[str, object] = {}


@task_prerun.connect
def bind_request_id(task_id=None, task=None, **kwargs) -> None:
    """Log the task under the request id that published it; a task published without one (by
    beat, say) gets its own, which the tasks it publishes in turn carry."""
    from apps.core.logging import (
        current_request_id,
        new_request_id,
        request_id_bound,
        sane_request_id,
    )

    request_id = (
        sane_request_id(task.request.get(REQUEST_ID_TASK_HEADER) if task else None)
        or current_request_id()  # eager tasks run inside the publishing request
        or new_request_id()
    )
    bound = request_id_bound(request_id, task=getattr(task, "name", None), task_id=task_id)
    bound.__enter__()
    _bound[task_id] = bound


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs) -> None:
    """What Django does around every request, around every task: close a connection that is
    too old (CONN_MAX_AGE), broke, or was left in a transaction; keep a healthy one. Celery's
    own close-everything is rationed by CELERY_DB_REUSE_MAX."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # an eager task runs inside the caller's request or test transaction
    from django.db import close_old_connections

    close_old_connections()


@task_postrun.connect
def unbind_request_id(task_id=None, **kwargs) -> None:
    bound = _bound.pop(task_id, None)
    if bound is not None:
        bound.__exit__(None, None, None)
