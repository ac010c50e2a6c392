"""Vehicle identifiers (VIN, licence plate) and device identifiers (serial numbers)."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer


class VehicleIdRecognizer(SpanPatternRecognizer):
    """Return VEHICLE spans: 17-character VINs, or plates after a plate/tag label."""

    ENTITY = "VEHICLE"
    PATTERNS = (
        ("vin", r"\b(?-i:(?=(?:[A-HJ-NPR-Z]*\d){3})(?=(?:\d*[A-HJ-NPR-Z]){3})[A-HJ-NPR-Z0-9]{17})\b", 0.6),
        ("plate", r"\b(?:licen[cs]e\s+plate|plate|tag|registration)\b(?:\s+(?:number|no\.?|#))?\s*(?:is|:|#)?\s*(?P<phi>(?=[a-z0-9]*\d|[a-z0-9]{1,4}[ -][a-z0-9]*\d)[a-z0-9]{1,4}[ -]?[a-z0-9]{1,5})\b", 0.7),
    )
    CONTEXT = ("vin", "vehicle", "car", "plate", "truck")


class DeviceIdRecognizer(SpanPatternRecognizer):
    """Return DEVICE spans: serial/model/device/lot numbers after a label (pacemaker serials,
    pump and monitor IDs), including dashed alphanumerics."""

    ENTITY = "DEVICE"
    PATTERNS = (
        ("labelled", r"\b(?:serial|s/n|sn|device\s+(?:id|serial)|imei|udi|lot|model\s+(?:number|no\.?|#))\s*(?:number|no\.?|#)?\s*(?:is|:|#)?\s*(?P<phi>(?=[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{4,24})\b", 0.75),
        ("mac", r"\b(?P<phi>(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2})\b", 0.7),
    )
    CONTEXT = ("serial", "device", "pacemaker", "pump", "implant", "monitor")
