"""The privacy tests build learners' histories on the study tests' small course."""

from tests.study.conftest import mini_course  # noqa: F401
