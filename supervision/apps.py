from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _rules_ensure(sender, **kwargs):
    from .rules import rules_ensure

    rules_ensure()


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "电子监察"

    def ready(self):
        from cases import signals

        from . import alerts

        signals.events_recorded.connect(alerts.on_events_recorded, dispatch_uid="supervision")
        signals.push_refused.connect(alerts.on_push_refused, dispatch_uid="supervision")
        post_migrate.connect(_rules_ensure, sender=self, dispatch_uid="supervision-rules")
