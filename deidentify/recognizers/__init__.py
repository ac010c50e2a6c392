"""One Presidio recognizer per kind of HIPAA Safe Harbor identifier.

`RECOGNIZERS` is the explicit registry the analyzer builds from (no discovery by walking
folders: safety code is wired by hand, so a reader sees exactly what runs).
"""

from __future__ import annotations

from deidentify.recognizers.account_ids import AccountNumberRecognizer
from deidentify.recognizers.address import StreetAddressRecognizer, ZipCodeRecognizer
from deidentify.recognizers.age import AgeOver89Recognizer
from deidentify.recognizers.contact import EmailAddressRecognizer, WebAddressRecognizer
from deidentify.recognizers.dates import DatesRecognizer
from deidentify.recognizers.facility import FacilityRecognizer
from deidentify.recognizers.mrn import MedicalRecordNumberRecognizer
from deidentify.recognizers.names import NameRecognizer
from deidentify.recognizers.phone import TelephoneRecognizer
from deidentify.recognizers.places import PlaceRecognizer
from deidentify.recognizers.ssn import SsnRecognizer
from deidentify.recognizers.surrogate import SurrogateLookalikeRecognizer
from deidentify.recognizers.tagger import TaggerRecognizer
from deidentify.recognizers.vehicle_device import DeviceIdRecognizer, VehicleIdRecognizer

RECOGNIZERS = (
    NameRecognizer,
    DatesRecognizer,
    AgeOver89Recognizer,
    TelephoneRecognizer,
    SsnRecognizer,
    MedicalRecordNumberRecognizer,
    AccountNumberRecognizer,
    VehicleIdRecognizer,
    DeviceIdRecognizer,
    StreetAddressRecognizer,
    ZipCodeRecognizer,
    FacilityRecognizer,
    PlaceRecognizer,
    EmailAddressRecognizer,
    WebAddressRecognizer,
    SurrogateLookalikeRecognizer,
)
#: The learned recognizers (a model file behind each); chat runs them, `tagger=False` skips.
LEARNED = (TaggerRecognizer,)

__all__ = ["LEARNED", "RECOGNIZERS"]
