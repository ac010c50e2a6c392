"""``chatbot.bulk``: the socket's batched insert and re-send lookup, and the batched rate count."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from chatbot import crypto, ratelimit, services
from chatbot.bulk import bulk_insert, rows_matching
from chatbot.models import Message
from tests.factories import ConversationFactory


def _message(conversation: Any, client_id: str | None, text: str = "hello") -> Message:
    return Message(
        conversation=conversation,
        role=Message.Role.PATIENT,
        client_id=client_id,
        text_encrypted=crypto.encrypt(text),
    )


def _stored(message: Message) -> dict[str, Any]:
    """Every column as the database holds it, but the id and the timestamps."""
    row = Message.objects.filter(pk=message.pk).values().get()
    return {k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")}


@pytest.mark.django_db
def test_rows_are_stored_as_bulk_create_stores_them_with_ids_in_the_order_given() -> None:
    first, second = ConversationFactory(), ConversationFactory()
    ours = [_message(first if n % 3 else second, f"c{n}", f"text {n}") for n in range(50)]
    theirs = [_message(first if n % 3 else second, f"d{n}", f"text {n}") for n in range(50)]
    bulk_insert(ours)
    Message.objects.bulk_create(theirs)
    for mine, reference in zip(ours, theirs, strict=True):
        stored = Message.objects.get(pk=mine.pk)  # the id set on each object is its own row
        assert stored.client_id == mine.client_id and crypto.decrypt(stored.text_encrypted) == crypto.decrypt(
            mine.text_encrypted
        )
        expected = _stored(reference) | {"client_id": mine.client_id, "text_encrypted": mine.text_encrypted}
        assert _stored(mine) == expected  # defaults, JSON lists, status: the model's own
        assert stored.created_at is not None and not mine._state.adding


@pytest.mark.django_db
def test_a_column_the_same_in_every_row_and_a_lone_row_are_stored() -> None:
    conversation = ConversationFactory()
    same = [_message(conversation, None, "same") for _ in range(3)]
    (lone,) = bulk_insert([_message(conversation, "only")])
    bulk_insert(same)
    assert len({m.pk for m in same}) == 3 and Message.objects.filter(client_id=None).count() == 3
    assert Message.objects.get(pk=lone.pk).client_id == "only"
    assert bulk_insert([]) == []


@pytest.mark.django_db
def test_rows_matching_finds_exactly_the_pairs_asked_for() -> None:
    one, two = ConversationFactory(), ConversationFactory()
    a, _, c = bulk_insert([_message(one, "a"), _message(one, "b"), _message(two, "a")])
    found = rows_matching(Message, "conversation", "client_id", {(one.pk, "a"), (two.pk, "a"), (two.pk, "b")})
    assert sorted(m.pk for m in found) == sorted([a.pk, c.pk])  # not (one, b), not (two, b)
    assert rows_matching(Message, "conversation", "client_id", set()) == []


@pytest.mark.django_db
def test_one_insert_statement_whatever_the_number_of_rows(django_assert_num_queries) -> None:
    conversation = ConversationFactory()
    rows = [_message(conversation, f"n{n}") for n in range(200)]
    with django_assert_num_queries(1) as captured:
        bulk_insert(rows)
    # One parameter per varying column, not one per row and column.
    assert captured.captured_queries[0]["sql"].count("unnest") == 1
    assert connection.vendor == "postgresql"


def test_the_rate_count_is_per_message_and_expires(settings) -> None:
    settings.CHAT_RATE_WINDOW_S = 3600  # no window boundary falls inside the test
    settings.CHAT_RATE_LIMIT = 3
    user = 9_000_000 + int(time.time() * 1000) % 1_000_000  # a key no other test uses
    decisions = ratelimit.message_rate_checks(user_ids=[user, user, user + 1, user])
    assert [d.allowed for d in decisions] == [True, True, True, True]
    (fourth,) = ratelimit.message_rate_checks(user_ids=[user])
    assert not fourth.allowed and 0 < fourth.retry_after_s <= 3600
    client = ratelimit._redis_client()
    assert client is not None, "the suite runs with REDIS_URL, so the script is what is tested"
    key = cache.make_and_validate_key(f"chat-rate:{user}:{int(time.time()) // 3600}")
    assert int(client.get(key)) == 4  # the refused message is counted too, as before
    assert 0 < client.ttl(key) <= 3601
    assert ratelimit.message_rate_checks(user_ids=[]) == []


@pytest.mark.django_db(transaction=True)
def test_a_client_id_that_raced_in_on_another_process_is_acknowledged_not_stored_twice(monkeypatch) -> None:
    """The batch's lookup did not see the other process's row yet: the one INSERT fails on
    the unique client id, and the batch is stored one by one instead."""
    monkeypatch.setattr("django.conf.settings.CHAT_RATE_LIMIT", 1000)
    conversation = ConversationFactory()
    (raced,) = bulk_insert([_message(conversation, "c1", "first copy")])
    monkeypatch.setattr(services, "_resent_many", lambda submissions: {})

    def sub(text: str, client_id: str) -> services.Submission:
        return services.Submission(conversation.patient_id, conversation.pk, text, client_id)

    results = services.patient_messages_submit(submissions=[sub("again", "c1"), sub("new", "c2")])
    (again, again_created), (new, new_created) = results  # type: ignore[misc]
    assert again.pk == raced.pk and not again_created
    assert new_created and crypto.decrypt(Message.objects.get(pk=new.pk).text_encrypted) == "new"
    assert Message.objects.filter(conversation_id=conversation.pk).count() == 2


def test_a_rate_key_without_an_expiry_gets_one(settings) -> None:
    settings.CHAT_RATE_WINDOW_S = 3600
    user = 8_000_000 + int(time.time() * 1000) % 1_000_000
    client = ratelimit._redis_client()
    assert client is not None
    key = cache.make_and_validate_key(f"chat-rate:{user}:{int(time.time()) // 3600}")
    client.set(key, 1)  # left without a TTL (by an older version, or a hand)
    ratelimit.message_rate_checks(user_ids=[user])
    assert int(client.get(key)) == 2 and 0 < client.ttl(key) <= 3601
