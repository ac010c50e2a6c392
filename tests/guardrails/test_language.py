"""The language rail: English and Spanish are read; any other language is never a
silent allow; short or ambiguous text is English by default."""

from __future__ import annotations

import socket

import pytest

from guardrails.base import Action, RailContext
from guardrails.language import LanguageRail
from guardrails.registry import INPUT_RAILS


@pytest.fixture(scope="module")
def rail() -> LanguageRail:
    return LanguageRail()


@pytest.mark.parametrize(
    "text",
    [
        # English, including limited English and texting shorthand.
        "What are the warning signs of a stroke?",
        "i no have good english, my chest is pain very much since morning",
        "im so done w everything fr",
        "u up? need 2 talk",
        "wat r the side fx of zoloft",
        # Spanish.
        "tengo dolor en el pecho y no puedo respirar",
        "me siento muy mal, ya no quiero vivir",
        "bueno ok gracias",
        # Below the floor: English by default.
        "ok",
        "12",
        "hola",
        "metformin",
        "lisinopril 10mg",
        "Amlodipine Losartan Hydrochlorothiazide",
        "Ibuprofen Tylenol Naproxen Aspirin",
        "5 μg fentanyl patch",
        "my name is [NAME_1] [NAME_2]",
    ],
)
def test_it_reads_english_spanish_and_short_text(rail: LanguageRail, text: str) -> None:
    verdict = rail.check(text, RailContext())
    assert verdict.action is Action.ALLOW
    assert verdict.category in ("en", "es")


@pytest.mark.parametrize(
    "text",
    [
        "Tôi bị đau ngực và khó thở",  # Vietnamese
        "我胸口很痛",  # Chinese, five characters: the script is enough
        "助けて",  # Japanese
        "У меня болит грудь",  # Russian
        "J'ai mal à la poitrine depuis ce matin",  # French
        "Ich will nicht mehr leben",  # German
        "Eu estou com dor no peito",  # Portuguese
        "Mahal ko, masakit ang dibdib ko",  # Tagalog
        "ik heb pijn in mijn borst",  # Dutch
    ],
)
def test_it_blocks_a_language_it_cannot_read(rail: LanguageRail, text: str) -> None:
    verdict = rail.check(text, RailContext())
    assert (verdict.action, verdict.category) == (Action.BLOCK, "other_language")
    assert verdict.score >= 0.8
    (evidence,) = verdict.evidence
    assert text not in evidence.reason  # it names the language, never the text


@pytest.mark.parametrize(
    "text",
    [
        "ana ta3ban jiddan w mish 2ader anam",  # Arabic in Latin letters and numbers
        "mujhe bahut tez bukhar hai aur sar dard",  # romanised Hindi
        "bac si oi, con toi bi sot cao khong ha duoc",  # Vietnamese without diacritics
    ],
)
def test_romanised_languages_are_likely_another_language_and_the_classifier_still_reads_them(
    rail: LanguageRail, text: str
) -> None:
    from guardrails.language import UNREADABLE

    context = RailContext()
    verdict = rail.check(text, context)
    assert (verdict.action, verdict.category) == (Action.BLOCK, "other_language")
    assert context.memo[UNREADABLE] is False  # not sure: the classifier reads it too
    (evidence,) = verdict.evidence
    assert text not in evidence.reason


def test_a_language_it_is_sure_of_silences_the_classifier(rail: LanguageRail) -> None:
    from guardrails.language import UNREADABLE

    context = RailContext()
    rail.check("У меня болит грудь", context)
    assert context.memo[UNREADABLE] is True


def test_unknown_share_counts_words_neither_english_nor_spanish() -> None:
    from guardrails.language import unknown_share

    assert unknown_share(["idk", "tbh", "the", "dolor"]) == 0.0
    assert unknown_share(["khong", "duoc", "the", "pain"]) == 0.5
    assert unknown_share([]) == 0.0


def test_it_runs_first_among_the_input_rails() -> None:
    assert INPUT_RAILS[0] == "language"


def test_it_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from guardrails import language

    def refuse(*args, **kwargs):
        raise AssertionError("the language rail tried to open a connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    language._detector.cache_clear()
    verdict = LanguageRail().check("Tôi bị đau ngực và khó thở", RailContext())
    assert verdict.action is Action.BLOCK
