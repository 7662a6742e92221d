from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses: the clock, charts, CSV export, navigation, security headers, health,
    logging and the database-busy answer. No models; nothing here imports another app."""

    name = "apps.core"
    label = "core"
    verbose_name = "Core"
