"""``NameRecognizer``'s table of named rules: which rule scores a word, row by row.

Each row gives a text, the word to score, and the rule that must decide it. A word
scored by no rule gets 0.0. spaCy is not run here, so no word is in a place entity.
"""

from __future__ import annotations

import pytest

from deidentify.recognizers.names import NAME_RULES, NameRecognizer, _Text


@pytest.fixture(scope="module")
def recognizer() -> NameRecognizer:
    recognizer = NameRecognizer()
    recognizer.load()
    return recognizer


def _decide(recognizer: NameRecognizer, text: str, word: str) -> tuple[str | None, float]:
    t = _Text(text)
    w = next(x for x in t.words if x.text == word)
    rule = recognizer.rule_for(t, w)
    return (rule.name if rule else None), recognizer._score(t, w)


POSITIVE = [
    ("E. Welsh aware", "E", "initial before a listed name"),
    ("Dr. o rourke saw me", "o", "Irish O after a title"),
    ("Dr. Chen said", "Chen", "after a title"),
    ("pt seen by Dr Smith", "Smith", "after a title"),
    ("Dr. J Smith", "Smith", "after a title"),
    ("Dr Smith, RN", "Smith", "after a title"),  # the title decides before the credential
    ("my wife Helen called", "Helen", "after a relation word"),
    ("SON ROB CALLED", "ROB", "after a relation word"),
    ("daughter in law Mary", "Mary", "after a relation word"),
    ("health care proxy is Mary", "Mary", "after a relation word"),
    ("my name is Ximena", "Ximena", "introduced"),
    ("I am Tkachuk", "Tkachuk", "introduced"),
    ("call me Eleni", "Eleni", "introduced"),
    ("talked with helen today", "helen", "after a weak introduction"),
    ("I spoke with Mark about it", "Mark", "after a weak introduction"),
    ("seen by Okafor today", "Okafor", "done by"),
    ("Name: Åsa Laine", "Åsa", "named"),
    ("Kowalczyk, Anna", "Kowalczyk", "surname, first name"),
    ("SMITH, JOHN", "SMITH", "surname, first name"),
    ("Carole Hayes, RN", "Hayes", "before a credential"),
    ("Gordon Foley RRT", "Foley", "before a credential"),
    ("saw Hank Przybylo (son)", "Przybylo", "relation after"),
    ("Maria, his daughter, called", "Maria", "relation after"),
    ("pronounced by HO Domenico", "Domenico", "after a role"),
    ("per md Saeed", "Saeed", "after a role"),
    ("NP grace made aware", "grace", "role before, told after"),
    ("N. GRANDONE AWARE OF PLAN", "GRANDONE", "shouted, told"),
    ("BEA TURA AWARE", "TURA", "shouted, told"),
    ("spoke to Okafor aware of K 5.9", "Okafor", "told after"),
    ("met the Romero family", "Romero", "the X family"),
    ("James Talbot came", "James", "first name and surname"),
    ("STAFF mary souza here", "mary", "first name and surname"),
    ("leone mazzi came", "leone", "first name and surname"),
    ("Satu Elomo came", "Satu", "unfamiliar pair"),
    ("Cormac Allan came", "Cormac", "unfamiliar pair"),
    ("Enrico shouted at me", "Enrico", "does what people do"),
    ("Mourik began writing", "Mourik", "does what people do"),
    ('"I know," says Hartvigsson.', "Hartvigsson", "quoted speaker"),
    ("Hi Vinicio, I'm contacting you", "Vinicio", "greeted"),
    ("Unlike the Dratchev novel", "Dratchev", "author of a work"),
    ("Aloisia, can you call me", "Aloisia", "addressed at a line start"),
    ("I told Emily about it", "Emily", "capitalised first name mid-sentence"),
    ("Scott is a very sympathetic person.", "Scott", "capitalised first name before a lowercase word"),
    ("then mary called", "mary", "lowercase first name before an action"),
]

# Words that look like names but are not, and the rule that says so (None: no rule applies).
NEGATIVE = [
    ("my wife and I", "wife", "not a name-like word"),
    ("and 5 more", "5", "not a name-like word"),
    ("Dr. Rabbi sees pt", "Rabbi", "not a name-like word"),
    ("LUE old CABG site", "LUE", "clinical shorthand"),
    ("Walk, RN", "Walk", "no name before a credential"),
    ("Then emily Zyxwu came", "emily", "first name and surname, no case evidence"),
    ("Renal aware", "Renal", "no plain first name"),
    ("NP aware", "aware", "no plain first name"),
    ("PA Catheter placed", "Catheter", "no plain first name"),
    ("Goal met", "Goal", "no plain first name"),
    ("SCOTT CALLED", "SCOTT", "no plain first name"),
    ("with walker today", "walker", None),
    ("the walker", "walker", None),
    ("Daughter emily", "emily", None),
    ("Mary", "Mary", None),  # a name alone at the start of a text is no evidence
]


@pytest.mark.parametrize(("text", "word", "rule"), POSITIVE)
def test_a_rule_finds_the_name(recognizer: NameRecognizer, text: str, word: str, rule: str) -> None:
    name, score = _decide(recognizer, text, word)
    assert name == rule
    assert score == next(r.score for r in NAME_RULES if r.name == rule) > 0


@pytest.mark.parametrize(("text", "word", "rule"), NEGATIVE)
def test_a_rule_rules_the_word_out(recognizer: NameRecognizer, text: str, word: str, rule: str | None) -> None:
    assert _decide(recognizer, text, word) == (rule, 0.0)


def test_every_rule_has_its_own_row() -> None:
    covered = {rule for _, _, rule in POSITIVE + NEGATIVE}
    assert [r.name for r in NAME_RULES if r.name not in covered] == []
    assert len({r.name for r in NAME_RULES}) == len(NAME_RULES)
