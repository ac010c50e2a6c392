"""Conversations, messages, escalations, the audit record and the knowledge base.

Patient text is stored encrypted (``text_encrypted``); the de-identified text the
model and analytics see is stored beside it (``text_deid``). Nothing here decrypts:
callers go through ``chatbot.crypto`` via services and selectors that say why.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from guardrails.base import RiskLevel, RiskState


class Conversation(models.Model):
    class Channel(models.TextChoices):
        CHAT = "chat"  # the live chat with the assistant
        PORTAL = "portal"  # a care-team inbox thread: replies come from a person

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The conversation's open suicide/self-harm risk (guardrails.base.RiskLevel value).
    # It only goes up until a clinician clears it.
    risk_level = models.PositiveSmallIntegerField(default=0)
    risk_categories = models.JSONField(default=list, blank=True)
    risk_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    risk_cleared_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    # Kept whatever the retention policy says (``manage.py purge`` never touches it).
    legal_hold = models.BooleanField(default=False)
    # The de-identification mapping (surrogate -> original), encrypted JSON.
    surrogates_encrypted = models.TextField(blank=True, default="")
    # Human takeover: while a staff member is joined, the assistant sends no answers.
    staff_joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_joined_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.CHAT)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["patient", "-updated_at"])]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    @property
    def risk_state(self) -> RiskState:
        """The conversation's open risk; ``risk_state.is_open`` until a clinician clears it."""
        return RiskState(RiskLevel(self.risk_level), frozenset(self.risk_categories))


class Message(models.Model):
    class Role(models.TextChoices):
        PATIENT = "patient"
        ASSISTANT = "assistant"
        STAFF = "staff"  # a care-team member who joined the chat (``author``)
        CARE_TEAM = "care_team"  # a portal reply a clinician approved (``ReplyApproval``)

    class Status(models.TextChoices):
        RECEIVED = "received"  # stored, not yet processed
        PROCESSING = "processing"
        ANSWERED = "answered"
        FAILED = "failed"  # a step failed; a person has been told
        DELIVERED = "delivered"  # assistant messages; staff messages the patient's socket received
        WITH_STAFF = "with_staff"  # screened and stored, not answered: a person had joined the chat
        WAITING = "waiting"  # a staff message not yet delivered (the patient was offline)

    class Mode(models.TextChoices):
        MODEL = "model"
        EXTRACTIVE = "extractive"
        TEMPLATE = "template"

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    # NULL, not "", for "no client id": the unique constraint must ignore such rows.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    text_encrypted = models.TextField()
    text_deid = models.TextField(blank=True, default="")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, blank=True, default="")
    citations = models.JSONField(default=list, blank=True)
    # The follow-ups offered with an assistant reply (kinds, e.g. "send_to_care_team"),
    # so that a reloaded page, the REST API and a re-sent reply offer them too.
    actions = models.JSONField(default=list, blank=True)
    verdicts = models.JSONField(default=list, blank=True)
    needs_review = models.BooleanField(default=False)
    # A machine-made reason code such as "model_timeout"; never patient text.
    review_reason = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When the crisis resources were shown to the patient for this message (templates).
    crisis_shown_at = models.DateTimeField(null=True, blank=True)
    # Staff messages only: who wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set on every care-team message: the recorded human approval it was sent under.
    approval = models.OneToOneField(
        "ReplyApproval", null=True, blank=True, on_delete=models.PROTECT, related_name="sent_message"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The database itself refuses a care-team message without an approval, so no
            # path (admin, shell, a task, a direct save) can put one in front of a patient.
            models.CheckConstraint(
                condition=~Q(role="care_team") | Q(approval__isnull=False),
                name="care_team_message_needs_approval",
            ),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="unique_client_id_per_conversation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} message {self.pk}"


class Escalation(models.Model):
    """Something a person must look at: a crisis, an emergency, a failed step, a flag."""

    class Kind(models.TextChoices):
        CRISIS = "crisis"
        EMERGENCY = "emergency"
        THIRD_PARTY = "third_party"
        INJECTION = "injection"
        SCOPE = "scope"
        OUTPUT_RAIL = "output_rail"
        PROCESSING_ERROR = "processing_error"
        INBOX = "inbox"  # a clinician escalated a care-team inbox thread to a safety officer
        LANGUAGE = "language"  # a language the rails cannot read: a person must

    class Priority(models.IntegerChoices):
        """How soon a person must look. HIGH is reviewed today without paging anyone
        (the self-harm help tier, an emergency flag, a message the rails cannot read);
        URGENT pages (a crisis or an emergency)."""

        ROUTINE = 1
        HIGH = 2
        URGENT = 3

    class Status(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"
        IN_PROGRESS = "in_progress", "In progress"
        RESOLVED = "resolved"

    class Outcome(models.TextChoices):
        CONTACTED_PATIENT = "contacted_patient", "Contacted the patient"
        EMERGENCY_SERVICES = "emergency_services", "Emergency services called"
        REFERRED = "referred", "Referred"
        SAFETY_PLAN = "safety_plan", "Safety plan made"
        NO_ACTION = "no_action", "No action needed"
        FALSE_ALARM = "false_alarm", "False alarm"

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="escalations")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.ROUTINE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=64)  # machine code, never patient text
    verdicts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    # Who is working on it (acknowledged -> in progress: "claimed").
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True, default="")
    # A false alarm names the rail and says what it got wrong.
    false_alarm_rail = models.CharField(max_length=32, blank=True, default="")
    false_alarm_detail = models.CharField(max_length=500, blank=True, default="")
    # Optimistic locking: every transition bumps it; a form that sends an older one is refused.
    version = models.PositiveIntegerField(default=1)
    # Paging: when the acknowledgement SLA was first breached, how many tiers were paged,
    # and when the next page is due while nobody has acknowledged.
    breached_at = models.DateTimeField(null=True, blank=True)
    page_tier = models.PositiveSmallIntegerField(default=0)
    next_page_at = models.DateTimeField(null=True, blank=True)
    # The SLA clock runs from here: created, or reopened.
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "-priority", "created_at"]
        indexes = [models.Index(fields=["status", "-priority", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} escalation {self.pk}"

    @property
    def priority_name(self) -> str:
        """``routine``, ``urgent``...: the key of the SLA settings."""
        return self.Priority(self.priority).name.lower()

    @property
    def is_urgent(self) -> bool:
        return self.priority == Escalation.Priority.URGENT

    @property
    def is_high(self) -> bool:
        return self.priority == Escalation.Priority.HIGH



class EscalationRecord(models.Model):
    """Who did what to an escalation, and when: every transition, note, view and page.

    ``detail`` holds machine values (states, outcome codes, tiers), never patient text;
    a note's text is in ``note``, written by staff."""

    class Action(models.TextChoices):
        CREATED = "created"
        VIEWED = "viewed"
        ACKNOWLEDGED = "acknowledged"
        CLAIMED = "claimed"
        RESOLVED = "resolved"
        REOPENED = "reopened"
        NOTE = "note"
        BREACHED = "breached"
        PAGED = "paged"

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="records")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: the system (the SLA checker)
    action = models.CharField(max_length=16, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} escalation {self.escalation_id} by {self.by_id or 'system'}"


class TakeoverRecord(models.Model):
    """Every join, staff message and hand-back in a conversation: who and when (no text)."""

    class Action(models.TextChoices):
        JOINED = "joined"
        MESSAGE = "message"
        HANDED_BACK = "handed_back"
        ENDED = "ended"

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="takeover_records")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} conversation {self.conversation_id} by {self.by_id}"


class PatientProfile(models.Model):
    """What a clinician needs to reach the patient. Edited in the admin."""

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    emergency_contact = models.CharField(max_length=200, blank=True, default="")
    preferred_language = models.CharField(max_length=40, blank=True, default="English")
    clinic = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"Profile of patient {self.patient_id}"


AUDIT_GENESIS = "0" * 64


def audit_canonical(
    *,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    source_ip: str | None,
    reason: str,
    detail: dict[str, Any],
) -> str:
    """An audit event's hashed content: every recorded field, as sorted compact JSON."""
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_name": actor_name,
            "role": role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "source_ip": source_ip,
            "reason": reason,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def audit_chain_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the previous event's hash and this event's canonical content."""
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class AuditAppendOnly(Exception):
    """An attempt to change or delete an audit event. PostgreSQL refuses it with a
    trigger as well (migration 0004), so even raw SQL by the application user fails."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditAppendOnly("Audit events are append-only: they cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditAppendOnly("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One append-only, hash-chained record of who did what. Never patient text.

    ``id`` comes from a database sequence and orders the chain; ``hash`` is the SHA-256
    of the previous event's hash and this event's canonical content
    (``canonical_content``). Write through ``services.audit_record`` only: it takes the
    chain's head lock so concurrent writers cannot fork the chain.
    """

    at = models.DateTimeField(db_index=True)
    # No database constraint: deleting a user must not touch the record of what they did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    role = models.CharField(max_length=32, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    # Why, where a reason was required (break the glass): written by staff, shown to auditors.
    reason = models.CharField(max_length=500, blank=True, default="")
    # Machine facts only (counts, field names, outcome codes); never patient text.
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_name or 'system'} at {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditAppendOnly("Audit events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditAppendOnly("Audit events are append-only: they cannot be deleted.")

    def canonical_content(self) -> str:
        return audit_canonical(
            at=self.at,
            actor_id=self.actor_id,
            actor_name=self.actor_name,
            role=self.role,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            source_ip=self.source_ip,
            reason=self.reason,
            detail=self.detail,
        )

    def compute_hash(self) -> str:
        return audit_chain_hash(self.prev_hash, self.canonical_content())


class AuditHead(models.Model):
    """The chain's head: one row, locked (``SELECT ... FOR UPDATE``) by every writer.

    Holding it serialises appends, so each new event links to the true previous one
    even with many writers; ``count`` lets ``audit_verify`` notice a deleted tail.
    """

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=AUDIT_GENESIS)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit head {self.last_id} {self.last_hash[:12]}"


class AccessLog(models.Model):
    """Every time staff see original (re-identified) patient text: who, what, when.

    A database view over ``AuditEvent`` (migration 0004): read-only, written by
    ``services.audit_record`` with ``action="view_original"``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="access_log"
    )
    action = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "chatbot_accesslog"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} conversation {self.conversation_id} at {self.at:%Y-%m-%d %H:%M}"


class Document(models.Model):
    """A vetted knowledge-base article. Only active, reviewed documents are retrieved."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    text = models.TextField()
    source_url = models.URLField(max_length=500, blank=True, default="")
    sources = models.JSONField(default=list, blank=True)
    license = models.CharField(max_length=100, blank=True, default="")
    topic = models.CharField(max_length=100, blank=True, default="")
    reviewed_by = models.CharField(max_length=200, blank=True, default="")
    reviewed_at = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        permissions = [("review_document", "Can review and activate knowledge-base documents")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_retrievable(self) -> bool:
        return self.is_active and bool(self.reviewed_by) and self.reviewed_at is not None


class Chunk(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()
    # float32 little-endian, 384 dimensions (all-MiniLM-L6-v2), L2-normalised.
    embedding = models.BinaryField()

    class Meta:
        ordering = ["document_id", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "position"], name="unique_chunk_position")]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.position}"


# --- The care-team inbox (portal threads) -------------------------------------------------
# These live in chatbot, not the portal: the inbox pipeline (chatbot) writes triage and
# drafts, and the one service that sends a reply to a patient is chatbot's. The portal
# owns only what staff alone use: pools (care teams) and who holds a thread.


class Urgency(models.TextChoices):
    EMERGENT = "emergent"
    URGENT = "urgent"
    ROUTINE = "routine"


# Inbox order: emergent first.
URGENCY_RANK = {Urgency.EMERGENT: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class Thread(models.Model):
    """A patient's secure message thread with the care team (a ``portal`` conversation)."""

    class Topic(models.TextChoices):
        MEDICATION = "medication", "Medication question"
        SYMPTOM = "symptom", "Symptom"
        TEST_RESULTS = "test_results", "Test results"
        APPOINTMENT = "appointment", "Appointment"
        REFILL = "refill", "Prescription refill"
        PAPERWORK_BILLING = "paperwork_billing", "Paperwork or billing"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        SENT = "sent"  # waiting for the care team
        READ = "read"  # a clinician opened it
        ANSWERED = "answered"  # a reply was sent
        CLOSED = "closed"  # a clinician marked that no reply is needed

    conversation = models.OneToOneField(Conversation, on_delete=models.PROTECT, related_name="thread")
    # The live-chat message the patient sent to the care team ("send to my care team").
    from_chat_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(max_length=24, choices=Topic.choices, default=Topic.OTHER)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.ROUTINE)
    urgency_rank = models.PositiveSmallIntegerField(default=2)  # URGENCY_RANK, for sorting
    reply_needed = models.BooleanField(default=True)
    triaged = models.BooleanField(default=False)
    # When the care team must have acted (SLA from the latest unanswered message).
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)  # first opened since it last waited
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["urgency_rank", "due_at"]
        indexes = [models.Index(fields=["status", "urgency_rank", "due_at"])]

    def __str__(self) -> str:
        return f"Thread {self.pk}"


class Triage(models.Model):
    """How urgent a patient's portal message is, what it wants and whether it needs a
    reply, with the evidence a clinician can check (spans index into ``text_deid``)."""

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="triage")
    urgency = models.CharField(max_length=12, choices=Urgency.choices)
    intent = models.CharField(max_length=40, blank=True, default="")
    reply_needed = models.BooleanField(default=True)
    evidence = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Triage of message {self.message_id}: {self.urgency}"


class Draft(models.Model):
    """An AI-drafted reply under review. A patient never sees a draft: only a
    clinician's approved text is sent (``services.portal_reply_send``)."""

    class Status(models.TextChoices):
        PENDING = "pending"  # queued for drafting
        READY = "ready"  # passed the output rails; shown to the clinician
        REJECTED = "rejected"  # the rails rejected it: there is no draft, and the reason is shown
        SKIPPED = "skipped"  # no draft: no reply needed, or crisis/emergency templates answered
        DISCARDED = "discarded"  # a clinician chose to write their own, or regenerated
        SENT = "sent"

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="drafts")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="drafts")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    text_encrypted = models.TextField(blank=True, default="")  # re-identified, for the clinician
    text_deid = models.TextField(blank=True, default="")
    mode = models.CharField(max_length=16, blank=True, default="")
    citations = models.JSONField(default=list, blank=True)
    verdicts = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=64, blank=True, default="")  # machine code, never text
    instruction = models.CharField(max_length=40, blank=True, default="")
    reading_grade = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Draft {self.pk} ({self.status})"


class ReplyApproval(models.Model):
    """A clinician's recorded approval of the exact text sent to the patient."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="approvals")
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ai_drafted = models.BooleanField(default=False)
    edited = models.BooleanField(default=False)
    # rapidfuzz normalised Indel distance, draft → final (0 = unchanged); None without a draft.
    edit_distance = models.FloatField(null=True, blank=True)
    seconds_open_to_send = models.FloatField(null=True, blank=True)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.ROUTINE)
    sla_breached = models.BooleanField(default=False)
    approved_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-approved_at"]
        permissions = [("send_portal_reply", "Can approve and send a care-team reply to a patient")]

    def __str__(self) -> str:
        return f"Approval {self.pk} by {self.approver_id}"
