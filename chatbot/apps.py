from django.apps import AppConfig


class ChatbotConfig(AppConfig):
    name = "chatbot"
    verbose_name = "Patient chat"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from chatbot import roles, signals

        signals.connect()
        post_migrate.connect(roles.ensure_roles, sender=self, dispatch_uid="chatbot.ensure_roles")
