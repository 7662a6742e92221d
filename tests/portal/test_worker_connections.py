"""Grading tasks reuse the worker's database connection: Celery's Django fixup would close it
before and after every task (a reconnect per submission), so portal/celery.py rations that and
closes connections the way Django does after a request instead: when too old or broken."""

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from portal.celery import app, close_old_database_connections

pytestmark = pytest.mark.django_db(transaction=True)

TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))


def around_a_task(fixup: DjangoWorkerFixup) -> None:
    fixup.on_task_prerun(sender=TASK)
    close_old_database_connections(sender=TASK)
    connection.ensure_connection()  # the task's queries
    fixup.on_task_postrun(sender=TASK)
    close_old_database_connections(sender=TASK)


def test_consecutive_tasks_share_one_healthy_connection():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    first = connection.connection
    for _ in range(5):
        around_a_task(fixup)
    assert connection.connection is first


def test_a_connection_past_its_age_is_replaced_before_the_next_task():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    first = connection.connection
    connection.close_at = 0  # CONN_MAX_AGE has passed
    around_a_task(fixup)
    assert connection.connection is not None and connection.connection is not first


def test_a_connection_left_inside_a_transaction_is_closed_after_the_task():
    connection.ensure_connection()
    connection.set_autocommit(False)  # a task that died mid-transaction
    close_old_database_connections(sender=TASK)
    assert connection.connection is None
