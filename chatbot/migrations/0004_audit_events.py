"""The tamper-evident audit record.

AuditEvent is append-only and hash-chained; on PostgreSQL a trigger refuses UPDATE
and DELETE on it. The old access-log table's rows move into the chain, and the
access log becomes a view over the events (``action = 'view_original'``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from chatbot.models import AUDIT_GENESIS, audit_canonical, audit_chain_hash

PG_TRIGGER = """
CREATE OR REPLACE FUNCTION chatbot_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER chatbot_auditevent_append_only
    BEFORE UPDATE OR DELETE ON chatbot_auditevent
    FOR EACH ROW EXECUTE FUNCTION chatbot_auditevent_refuse_change();
"""
PG_TRIGGER_DROP = """
DROP TRIGGER IF EXISTS chatbot_auditevent_append_only ON chatbot_auditevent;
DROP FUNCTION IF EXISTS chatbot_auditevent_refuse_change();
"""
VIEW = """
CREATE VIEW chatbot_accesslog AS
SELECT id, actor_id AS user_id, CAST(object_id AS {int}) AS conversation_id, action, at
FROM chatbot_auditevent
WHERE action = 'view_original' AND object_type = 'conversation'
"""


def copy_access_log_into_chain(apps, schema_editor):
    OldAccessLog = apps.get_model("chatbot", "AccessLog")
    AuditEvent = apps.get_model("chatbot", "AuditEvent")
    AuditHead = apps.get_model("chatbot", "AuditHead")
    prev, count, last_id = AUDIT_GENESIS, 0, 0
    for row in OldAccessLog.objects.select_related("user").order_by("at", "id").iterator():
        values = {
            "at": row.at,
            "actor_id": row.user_id,
            "actor_name": row.user.username,
            "role": "",
            "action": row.action,
            "object_type": "conversation",
            "object_id": str(row.conversation_id),
            "source_ip": None,
            "reason": "",
            "detail": {"migrated_from": "access_log"},
        }
        digest = audit_chain_hash(prev, audit_canonical(**values))
        event = AuditEvent.objects.create(prev_hash=prev, hash=digest, **values)
        prev, count, last_id = digest, count + 1, event.pk
    AuditHead.objects.create(pk=1, last_id=last_id, last_hash=prev, count=count)


def create_view_and_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(VIEW.format(int="bigint" if vendor == "postgresql" else "INTEGER"))
    if vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER, params=None)


def drop_view_and_trigger(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS chatbot_accesslog")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0003_message_processing_started_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="legal_hold",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_id", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default=AUDIT_GENESIS, max_length=64)),
                ("count", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True)),
                ("actor_name", models.CharField(blank=True, default="", max_length=150)),
                ("role", models.CharField(blank=True, default="", max_length=32)),
                ("action", models.CharField(db_index=True, max_length=64)),
                ("object_type", models.CharField(blank=True, default="", max_length=64)),
                ("object_id", models.CharField(blank=True, default="", max_length=64)),
                ("source_ip", models.GenericIPAddressField(blank=True, null=True)),
                ("reason", models.CharField(blank=True, default="", max_length=500)),
                ("detail", models.JSONField(blank=True, default=dict)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "indexes": [
                    models.Index(fields=["object_type", "object_id"], name="chatbot_aud_object__374ab2_idx"),
                    models.Index(fields=["actor", "at"], name="chatbot_aud_actor_i_b03cd1_idx"),
                ],
            },
        ),
        migrations.RunPython(copy_access_log_into_chain, migrations.RunPython.noop),
        migrations.DeleteModel(name="AccessLog"),
        migrations.RunPython(create_view_and_trigger, drop_view_and_trigger),
        migrations.CreateModel(
            name="AccessLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(max_length=32)),
                ("at", models.DateTimeField()),
                (
                    "conversation",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="access_log",
                        to="chatbot.conversation",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"db_table": "chatbot_accesslog", "ordering": ["-at"], "managed": False},
        ),
    ]
