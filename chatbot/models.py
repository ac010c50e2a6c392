"""Conversations, messages, escalations, the staff access log and the knowledge base.

Patient text is stored encrypted (``text_encrypted``); the de-identified text the
model and analytics see is stored beside it (``text_deid``). Nothing here decrypts:
callers go through ``chatbot.crypto`` via services and selectors that say why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from guardrails.base import RiskLevel, RiskState


class Conversation(models.Model):
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
    # The de-identification mapping (surrogate -> original), encrypted JSON.
    surrogates_encrypted = models.TextField(blank=True, default="")

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

    class Status(models.TextChoices):
        RECEIVED = "received"  # stored, not yet processed
        PROCESSING = "processing"
        ANSWERED = "answered"
        FAILED = "failed"  # a step failed; a person has been told
        DELIVERED = "delivered"  # assistant messages

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
    verdicts = models.JSONField(default=list, blank=True)
    needs_review = models.BooleanField(default=False)
    # A machine-made reason code such as "model_timeout"; never patient text.
    review_reason = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
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
        RESOLVED = "resolved"

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

    class Meta:
        ordering = ["status", "-priority", "created_at"]
        indexes = [models.Index(fields=["status", "-priority", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} escalation {self.pk}"

    @property
    def is_urgent(self) -> bool:
        return self.priority == Escalation.Priority.URGENT

    @property
    def is_high(self) -> bool:
        return self.priority == Escalation.Priority.HIGH


class AccessLog(models.Model):
    """Every time staff see original (re-identified) patient text: who, what, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="access_log")
    action = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
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
