"""The notification transports against a real HTTP receiver started in the test, and
the delivery log with retries. No page carries patient text."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from chatbot.models import Escalation
from clinician_portal import services
from clinician_portal.models import Delivery
from clinician_portal.notify.base import Notification, TransportError
from clinician_portal.notify.registry import TRANSPORTS, get_transport
from clinician_portal.tasks import deliver_notification

pytestmark = pytest.mark.django_db

NOTE = Notification(
    escalation_id=7, url="http://portal.test/portal/escalations/7/", priority="urgent", kind="crisis", tier=1
)


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; then 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.statuses.pop(0) if state.statuses else 202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


def test_the_webhook_is_json_signed_with_hmac_sha256(receiver, settings) -> None:
    settings.NOTIFY_WEBHOOK_SECRET = "s3cret"
    get_transport("webhook").notify(NOTE, receiver.url)
    ((headers, body),) = receiver.requests
    expected = hmac.new(
        b"s3cret", headers["x-clinic-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-clinic-signature"], f"sha256={expected}")
    payload = json.loads(body)
    assert payload["url"] == NOTE.url and payload["priority"] == "urgent" and payload["kind"] == "crisis"
    assert headers["content-type"] == "application/json"


def test_pagerduty_gets_an_events_v2_trigger(receiver, settings) -> None:
    settings.PAGERDUTY_EVENTS_URL = receiver.url
    get_transport("pagerduty").notify(NOTE, "R0UTINGKEY")
    ((_, body),) = receiver.requests
    event = json.loads(body)
    assert event["routing_key"] == "R0UTINGKEY" and event["event_action"] == "trigger"
    assert event["dedup_key"] == "escalation-7"
    assert (
        event["payload"]["severity"] == "critical"
        and event["payload"]["source"]
        and event["payload"]["summary"]
    )
    assert event["links"][0]["href"] == NOTE.url


def test_slack_gets_text_with_the_link(receiver) -> None:
    get_transport("slack").notify(NOTE, receiver.url)
    ((_, body),) = receiver.requests
    assert NOTE.url in json.loads(body)["text"]


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (503, False), (429, False), (400, True), (404, True)]
)
def test_http_errors_say_whether_a_retry_can_help(receiver, status, permanent) -> None:
    receiver.statuses = [status]
    with pytest.raises(TransportError) as caught:
        get_transport("webhook").notify(NOTE, receiver.url)
    assert caught.value.permanent is permanent and caught.value.message == f"http_status_{status}"


def test_an_unreachable_receiver_is_transient_and_an_unknown_transport_permanent() -> None:
    with pytest.raises(TransportError) as caught:
        get_transport("webhook").notify(NOTE, "http://127.0.0.1:9/hook")
    assert caught.value.permanent is False
    with pytest.raises(TransportError) as unknown:
        get_transport("carrier_pigeon")
    assert unknown.value.permanent is True


def test_email_goes_through_django_mail(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    get_transport("email").notify(NOTE, "oncall@clinic.test")
    (sent,) = mail.outbox
    assert sent.to == ["oncall@clinic.test"] and NOTE.url in sent.body and "URGENT" in sent.subject


def test_the_registry_is_explicit() -> None:
    assert set(TRANSPORTS) == {"email", "webhook", "pagerduty", "slack"}


@pytest.fixture
def delivery(crisis, receiver) -> Delivery:
    crisis.page_tier = 1
    crisis.save(update_fields=["page_tier"])
    return Delivery.objects.create(escalation=crisis, tier=1, transport="webhook", target=receiver.url)


def test_a_transient_failure_is_retried_and_logged_until_sent(delivery, receiver) -> None:
    receiver.statuses = [503, 503]
    assert deliver_notification.apply(args=[delivery.pk]).get() == "sent"  # eager: retries run at once
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 3 and delivery.sent_at
    assert len(receiver.requests) == 3


def test_a_permanent_failure_is_not_retried(delivery, receiver) -> None:
    receiver.statuses = [410]
    assert services.delivery_attempt(delivery_id=delivery.pk).status == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert delivery.error == "http_status_410" and delivery.attempts == 1 and len(receiver.requests) == 1


def test_it_gives_up_after_the_last_attempt(delivery, receiver, settings) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500, 500]
    with pytest.raises(services.DeliveryRetry):
        services.delivery_attempt(delivery_id=delivery.pk)
    assert services.delivery_attempt(delivery_id=delivery.pk).status == Delivery.Status.FAILED
    assert (
        services.delivery_attempt(delivery_id=delivery.pk).status == Delivery.Status.FAILED
    )  # never sent again
    assert len(receiver.requests) == 2


def test_a_delivered_page_carries_no_patient_text(delivery, receiver, crisis: Escalation) -> None:
    services.delivery_attempt(delivery_id=delivery.pk)
    ((headers, body),) = receiver.requests
    text = body.decode() + json.dumps(headers)
    assert f"/portal/escalations/{crisis.pk}/" in text
    for secret in ("Jane", "Roe", "end my life", "NAME_1", "intent_or_plan"):
        assert secret not in text
