from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("Email me at jane.roe@example.com.", "EMAIL", ["jane.roe@example.com"]),
        ("a.b+c@mail.co.uk is mine", "EMAIL", ["a.b+c@mail.co.uk"]),
        ("See https://example.org/p?id=5, thanks", "URL", ["https://example.org/p?id=5"]),
        ("my blog www.janeroe.net", "URL", ["www.janeroe.net"]),
        ("visit janeroe.com today", "URL", ["janeroe.com"]),
        ("from 192.168.10.4 at home", "IP_ADDRESS", ["192.168.10.4"]),
    ],
)
def test_it_finds_emails_urls_and_ips(spans, text: str, entity: str, expected: list[str]) -> None:
    assert spans(text, entity) == expected


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Take 2.5 mg at night.", "URL"),
        ("Email is the best way.", "EMAIL"),
        ("pH 7.35 and K 4.1", "URL"),
        ("version 1.2.3", "IP_ADDRESS"),
    ],
)
def test_it_ignores_look_alikes(spans, text: str, entity: str) -> None:
    assert spans(text, entity) == []
