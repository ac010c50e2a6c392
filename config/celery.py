"""The Celery app. Tasks take ids only, never text: see chatbot/tasks.py."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("patient_chat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["chatbot", "clinician_portal"])


@worker_process_init.connect
def _warm_up(**_: object) -> None:
    from chatbot.warmup import warm_up

    warm_up()
