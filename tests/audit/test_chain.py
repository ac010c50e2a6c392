"""The audit chain: append-only, hash-chained, verified, and correct under concurrent writers."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from chatbot import selectors, services
from chatbot.models import AuditAppendOnly, AuditEvent, AuditHead, audit_canonical, audit_chain_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IS_PG = connection.vendor == "postgresql"


def _record(n: int, actor=None) -> list[AuditEvent]:
    return [services.audit_record(actor=actor, action="test_action", object_type="thing", object_id=i) for i in range(n)]


def _disabled_trigger():
    """On PostgreSQL, act as a database superuser who switches the trigger off."""

    class _Ctx:
        def __enter__(self):
            if IS_PG:
                with connection.cursor() as cursor:
                    cursor.execute("ALTER TABLE chatbot_auditevent DISABLE TRIGGER chatbot_auditevent_append_only")

        def __exit__(self, *exc):
            if IS_PG:
                with connection.cursor() as cursor:
                    cursor.execute("ALTER TABLE chatbot_auditevent ENABLE TRIGGER chatbot_auditevent_append_only")

    return _Ctx()


def test_each_event_links_to_the_previous_one() -> None:
    first, second, third = _record(3, actor=UserFactory(roles=["clinician"]))
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert third.hash == audit_chain_hash(second.hash, third.canonical_content())
    assert first.role == "clinician"
    head = AuditHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash, head.count) == (third.pk, third.hash, 3)
    assert selectors.audit_chain_verify().ok


def test_the_hash_covers_every_recorded_field() -> None:
    (event,) = _record(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    canonical = json.loads(stored.canonical_content())
    assert set(canonical) == {
        "at", "actor", "actor_name", "role", "action", "object_type", "object_id", "source_ip", "reason", "detail",
    }  # fmt: skip
    assert stored.compute_hash() == stored.hash


def test_the_model_refuses_updates_and_deletes() -> None:
    (event,) = _record(1)
    event.action = "rewritten"
    with pytest.raises(AuditAppendOnly):
        event.save()
    with pytest.raises(AuditAppendOnly):
        event.delete()
    with pytest.raises(AuditAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="rewritten")
    with pytest.raises(AuditAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test_action"


@pytest.mark.skipif(not IS_PG, reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_update_and_delete() -> None:
    from django.db import DatabaseError, transaction

    (event,) = _record(1)
    for sql in ("UPDATE chatbot_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM chatbot_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])


def test_verify_finds_an_edit_made_with_raw_sql() -> None:
    events = _record(5)
    with _disabled_trigger(), connection.cursor() as cursor:
        cursor.execute("UPDATE chatbot_auditevent SET object_id = 'other' WHERE id = %s", [events[2].pk])
    result = selectors.audit_chain_verify()
    assert not result.ok and result.broken_at == events[2].pk and "edited" in result.problem
    with pytest.raises(CommandError, match=f"#{events[2].pk}"):
        call_command("audit_verify", "--no-anchors")


def test_verify_finds_a_deleted_event() -> None:
    events = _record(5)
    with _disabled_trigger(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM chatbot_auditevent WHERE id = %s", [events[1].pk])
    result = selectors.audit_chain_verify()
    assert not result.ok and result.broken_at == events[2].pk and "deleted" in result.problem


def test_verify_finds_a_deleted_tail() -> None:
    events = _record(4)
    with _disabled_trigger(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM chatbot_auditevent WHERE id = %s", [events[3].pk])
    result = selectors.audit_chain_verify()
    assert not result.ok and "end" in result.problem


def test_an_anchor_outside_the_database_catches_a_full_rewrite(tmp_path, settings) -> None:
    events = _record(3)
    anchor_file = tmp_path / "anchors.jsonl"
    settings.AUDIT_ANCHOR_FILE = str(anchor_file)
    anchor = services.audit_anchor_publish(path=str(anchor_file))
    assert anchor["hash"] == events[-1].hash and json.loads(anchor_file.read_text())["id"] == events[-1].pk
    call_command("audit_verify")  # clean chain, anchor matches

    # A database superuser rewrites an event and recomputes every hash after it, and the head.
    with _disabled_trigger(), connection.cursor() as cursor:
        prev = events[0].prev_hash
        for event in AuditEvent.objects.order_by("id"):
            values = json.loads(event.canonical_content())
            object_id = "forged" if event.pk == events[1].pk else event.object_id
            canonical = audit_canonical(
                at=event.at, actor_id=event.actor_id, actor_name=event.actor_name, role=event.role,
                action=event.action, object_type=event.object_type, object_id=object_id,
                source_ip=values["source_ip"], reason=event.reason, detail=event.detail,
            )  # fmt: skip
            digest = audit_chain_hash(prev, canonical)
            cursor.execute(
                "UPDATE chatbot_auditevent SET object_id = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [object_id, prev, digest, event.pk],
            )
            prev = digest
        cursor.execute("UPDATE chatbot_audithead SET last_hash = %s WHERE id = 1", [prev])
    assert selectors.audit_chain_verify().ok  # the chain alone cannot tell
    result = selectors.audit_chain_verify(anchors=[(anchor["id"], anchor["hash"])])
    assert not result.ok and "anchor" in result.problem
    with pytest.raises(CommandError, match="anchor"):
        call_command("audit_verify")


def test_the_daily_anchor_task_writes_the_head(tmp_path, settings) -> None:
    from chatbot.tasks import audit_anchor_write

    _record(2)
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "a.jsonl")
    audit_anchor_write()
    assert json.loads((tmp_path / "a.jsonl").read_text())["count"] == 2


@pytest.mark.skipif(not IS_PG, reason="SQLite serialises every writer; the head lock is proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain() -> None:
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                services.audit_record(actor=None, action="concurrent", object_type="thread", object_id=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    result = selectors.audit_chain_verify()
    assert result.ok and result.checked == threads * per_thread
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no fork: no two events share a parent
