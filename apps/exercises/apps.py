from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "apps.exercises"
    label = "exercises"
    verbose_name = "Exercises"

    def ready(self) -> None:
        # Connects the Celery worker's signal handlers (the preflight, the jail built ahead). In
        # ready(), not at the top: worker.py imports the tasks, and they the models.
        from apps.exercises import worker  # noqa: F401
