"""SLA breaches page the on-call rota, tier by tier, until someone acknowledges.
The clock is frozen and moved by hand (freezegun); nothing sleeps."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from freezegun import freeze_time

from chatbot import services
from chatbot.models import Escalation
from clinician_portal import selectors
from clinician_portal.models import Delivery, OnCallEntry
from clinician_portal.tasks import check_escalation_slas

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, 0)  # a Monday


@pytest.fixture(autouse=True)
def _sla(settings) -> None:
    settings.ESCALATION_ACK_SLA_S = {"urgent": 300, "high": 1800, "routine": 86_400}
    settings.ESCALATION_REPAGE_S = 120
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ESCALATION_FALLBACK_EMAIL = ""
    settings.TIME_ZONE = "UTC"


@pytest.fixture
def rota() -> dict[str, OnCallEntry]:
    def entry(name: str, tier: int, **kw) -> OnCallEntry:
        return OnCallEntry.objects.create(
            name=name,
            role=kw.pop("role", "clinician"),
            tier=tier,
            transport="email",
            target=f"{name}@clinic.test",
            **kw,
        )

    return {
        "day1": entry("day1", 1, starts_at=time(8), ends_at=time(18)),
        "night1": entry("night1", 1, starts_at=time(18), ends_at=time(8)),
        "lead2": entry("lead2", 2),
        "safety1": entry("safety1", 1, role="safety_officer"),
        "fallback": entry("fallback", 1, is_fallback=True),
    }


def _urgent_crisis() -> Escalation:
    from tests.factories import MessageFactory

    message = MessageFactory(text="I took all my pills, Jane Roe")
    return services.escalation_create(
        message_id=message.pk,
        kind=Escalation.Kind.CRISIS,
        reason="behavior",
        priority=Escalation.Priority.URGENT,
    )


def _tick(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return check_escalation_slas()


def test_a_breach_pages_tier_one_then_the_next_tier_until_acknowledged(
    rota, django_capture_on_commit_callbacks
) -> None:
    with freeze_time(T0) as clock:
        escalation = _urgent_crisis()
        clock.tick(timedelta(seconds=299))
        assert _tick(django_capture_on_commit_callbacks) == 0  # within the SLA: nobody paged
        assert mail.outbox == []

        clock.tick(timedelta(seconds=2))  # 301 s: breached
        assert _tick(django_capture_on_commit_callbacks) == 1
        escalation.refresh_from_db()
        assert escalation.breached_at == T0.replace(tzinfo=escalation.breached_at.tzinfo) + timedelta(
            seconds=301
        )
        assert [m.to for m in mail.outbox] == [["day1@clinic.test"]]  # tier 1, on call at 09:05
        assert _tick(django_capture_on_commit_callbacks) == 0  # not again before the re-page

        clock.tick(timedelta(seconds=120))
        assert _tick(django_capture_on_commit_callbacks) == 1
        assert mail.outbox[-1].to == ["lead2@clinic.test"]  # the next tier

        clock.tick(timedelta(seconds=120))
        _tick(django_capture_on_commit_callbacks)
        assert mail.outbox[-1].to == ["lead2@clinic.test"]  # past the last tier: the last tier again
        assert list(escalation.records.values_list("action", flat=True)) == [
            "created",
            "breached",
            "paged",
            "paged",
        ]

        services.escalation_acknowledge(escalation=escalation, by=_staff())
        sent = len(mail.outbox)
        clock.tick(timedelta(seconds=600))
        assert _tick(django_capture_on_commit_callbacks) == 0  # acknowledged: paging stops
        assert len(mail.outbox) == sent
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == sent


def _staff():
    from tests.factories import UserFactory

    return UserFactory(roles=["clinician"])


def test_a_page_never_contains_patient_text(rota, django_capture_on_commit_callbacks) -> None:
    with freeze_time(T0) as clock:
        escalation = _urgent_crisis()
        clock.tick(timedelta(seconds=301))
        _tick(django_capture_on_commit_callbacks)
    (page,) = mail.outbox
    text = f"{page.subject} {page.body}"
    assert f"/portal/escalations/{escalation.pk}/" in text and "URGENT" in text and "crisis" in text
    for secret in ("pills", "Jane", "Roe", "behavior"):
        assert secret not in text


def test_a_reopened_escalation_gets_a_new_clock(rota, django_capture_on_commit_callbacks) -> None:
    with freeze_time(T0) as clock:
        escalation = _urgent_crisis()
        services.escalation_resolve(escalation=escalation, by=_staff(), outcome="no_action")
        clock.tick(timedelta(hours=2))
        services.escalation_reopen(escalation=escalation, by=_staff())
        clock.tick(timedelta(seconds=200))
        assert _tick(django_capture_on_commit_callbacks) == 0
        clock.tick(timedelta(seconds=101))
        assert _tick(django_capture_on_commit_callbacks) == 1


@pytest.mark.parametrize(
    ("moment", "on_call"),
    [
        (datetime(2026, 3, 2, 7, 59), ["night1"]),  # Monday early: Sunday's night shift
        (datetime(2026, 3, 2, 8, 0), ["day1", "night1"]),  # the hand-over minute: both
        (datetime(2026, 3, 2, 12, 0), ["day1"]),
        (datetime(2026, 3, 2, 23, 30), ["night1"]),
    ],
)
def test_the_rota_knows_who_is_on_call_including_overnight_shifts(rota, moment, on_call) -> None:
    shifts = [rota["day1"], rota["night1"]]
    assert sorted(e.name for e in shifts if e.on_call_at(moment)) == on_call


def test_weekdays_limit_a_shift(rota) -> None:
    rota["day1"].weekdays = "01234"
    assert rota["day1"].on_call_at(datetime(2026, 3, 2, 12))  # Monday
    assert not rota["day1"].on_call_at(datetime(2026, 3, 7, 12))  # Saturday


def test_contacts_by_role_tier_and_the_fallback(rota, settings) -> None:
    noon = datetime(2026, 3, 2, 12, 0).astimezone()

    def names(role: str, tier: int) -> list[str]:
        return [c.entry.name for c in selectors.rota_contacts(role=role, tier=tier, now=noon) if c.entry]

    assert names("clinician", 1) == ["day1"]
    assert names("clinician", 2) == ["lead2"]
    assert names("safety_officer", 1) == ["safety1"]
    OnCallEntry.objects.filter(role="safety_officer").update(active=False)
    assert names("safety_officer", 1) == ["fallback"]  # nobody of the role: the fallback contact
    OnCallEntry.objects.all().update(active=False)
    settings.ESCALATION_FALLBACK_EMAIL = "desk@clinic.test"
    assert [c.target for c in selectors.rota_contacts(role="clinician", tier=1, now=noon)] == [
        "desk@clinic.test"
    ]


def test_kinds_page_the_right_role() -> None:
    assert selectors.role_for_kind(Escalation.Kind.CRISIS) == "clinician"
    assert selectors.role_for_kind(Escalation.Kind.INJECTION) == "safety_officer"


@pytest.mark.parametrize(
    ("now", "seconds", "expected"),
    [
        (datetime(2026, 3, 4, 9), 86_400, datetime(2026, 3, 3, 9)),  # Wednesday: one day back
        (datetime(2026, 3, 9, 18), 86_400, datetime(2026, 3, 6, 18)),  # Monday evening: Friday evening
        (
            datetime(2026, 3, 8, 12),
            3_600,
            datetime(2026, 3, 6, 23),
        ),  # Sunday: the clock stopped Friday midnight
        (datetime(2026, 3, 9, 0), 86_400, datetime(2026, 3, 6, 0)),  # Monday midnight: all of Friday
        (datetime(2026, 3, 6, 12), 0, datetime(2026, 3, 6, 12)),
    ],
)
def test_the_business_day_clock_skips_weekends(now, seconds, expected) -> None:
    from django.utils import timezone

    from chatbot.selectors import weekday_clock_back

    aware = timezone.make_aware(now)
    assert weekday_clock_back(aware, seconds=seconds) == timezone.make_aware(expected)


def test_a_routine_escalation_raised_on_friday_evening_pages_on_monday_evening(
    rota, django_capture_on_commit_callbacks
) -> None:
    from tests.factories import MessageFactory

    friday_evening = datetime(2026, 3, 6, 18, 0)
    with freeze_time(friday_evening) as clock:
        services.escalation_create(
            message_id=MessageFactory().pk,
            kind=Escalation.Kind.SCOPE,
            reason="scope",
            priority=Escalation.Priority.ROUTINE,
        )
        clock.move_to(datetime(2026, 3, 9, 17, 59))  # Monday, 23 h 59 of weekday time later
        assert _tick(django_capture_on_commit_callbacks) == 0
        clock.move_to(datetime(2026, 3, 9, 18, 1))
        assert _tick(django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["safety1@clinic.test"]]  # scope goes to the safety officer
