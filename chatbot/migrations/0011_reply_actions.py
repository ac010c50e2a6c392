"""Assistant replies keep the follow-ups they offered (``Message.actions``).

Before this, only the live ``reply`` event carried the "send my question to my care
team" action; a reloaded page or the REST API lost it. Existing declines are found by
their fixed template text (``chatbot.extractive.NO_ANSWER`` as it stood when this
migration was written: a migration must not follow later edits of that constant).
"""

from django.db import migrations, models

NO_ANSWER = (
    "I don't have vetted information on that. Your care team can help: you can send them "
    "this question as a message with the button below, or call the clinic. If this is an "
    "emergency, call your local emergency number now."
)


def offer_the_care_team_on_past_declines(apps, schema_editor):
    Message = apps.get_model("chatbot", "Message")
    Message.objects.filter(role="assistant", mode="template", text_deid=NO_ANSWER).update(
        actions=["send_to_care_team"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0010_escalation_kinds_after_merge"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="actions",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(offer_the_care_team_on_past_declines, migrations.RunPython.noop),
    ]
