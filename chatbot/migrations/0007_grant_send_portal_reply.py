"""Clinicians may approve and send care-team replies (``chatbot.send_portal_reply``)."""

from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations run; create this one now.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="chatbot", model="replyapproval")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="send_portal_reply",
        defaults={"name": "Can approve and send a care-team reply to a patient"},
    )
    clinician, _ = Group.objects.get_or_create(name="clinician")
    clinician.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="chatbot", codename="send_portal_reply").first()
    if permission is not None:
        for group in Group.objects.filter(name="clinician"):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0006_care_team_inbox"),
        ("chatbot", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
