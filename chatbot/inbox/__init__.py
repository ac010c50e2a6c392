"""The care-team inbox: a patient's portal message, triaged and drafted for a clinician.

``pipeline.receive`` is the whole path; ``triage`` decides urgency, intent and whether
a reply is needed; ``train`` builds the small learned head ``triage`` reads.
"""
