from django.apps import AppConfig


class ChatbotConfig(AppConfig):
    name = "chatbot"
    verbose_name = "Patient chat"

    def ready(self) -> None:
        from chatbot import signals

        signals.connect()
