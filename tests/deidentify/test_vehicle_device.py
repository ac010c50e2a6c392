from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("VIN 1HGCM82633A004352", "VEHICLE", ["1HGCM82633A004352"]),
        ("license plate 7ABC123", "VEHICLE", ["7ABC123"]),
        ("pacemaker serial number PJN123456", "DEVICE", ["PJN123456"]),
        ("pump s/n: 44-55-66-77", "DEVICE", ["44-55-66-77"]),
        ("MAC 00:1A:2B:3C:4D:5E", "DEVICE", ["00:1A:2B:3C:4D:5E"]),
    ],
)
def test_it_finds_vehicle_and_device_ids(spans, text: str, entity: str, expected: list[str]) -> None:
    assert spans(text, entity) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PAP/Plateau 27/20",
        "2 units reg. insulin x1",
        "BECOMING MORE REGULAR - RR 28",
        "my car is red",
        "serial killer documentary",
    ],
)
def test_it_ignores_look_alikes(spans, text: str) -> None:
    assert spans(text, "VEHICLE") + spans(text, "DEVICE") == []
