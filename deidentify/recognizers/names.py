"""Person names: spaCy NER plus census name lists, gated by case and context."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Token

from deidentify.recognizers.lexicon import (
    CLINICAL_ABBREVIATIONS,
    first_names,
    is_plain_word,
    last_names,
)

TITLES = frozenset("dr dr. drs dr's doctor mr mr. mrs mrs. ms ms. miss prof prof. professor rabbi rev rev. reverend pastor".split())
RELATIONS = frozenset(
    """daughter son wife husband mother father mom dad sister brother dtr niece neice nephew
    friend grandson granddaughter grandmother grandfather spouse partner aunt uncle cousin
    fiance fiancee boyfriend girlfriend hcp proxy spokesperson caregiver neighbor neighbour
    daughter-in-law son-in-law stepson stepdaughter daughters sons sisters brothers nurse caseworker chaplain attending resident
    fellow intern therapist""".split()
)
INTRODUCTIONS = (("name", "is"), ("named",), ("call", "me"), ("i", "am"), ("i", "'m"),
                 ("this", "is"), ("ask", "for"), ("called",), ("with",), ("to",), ("per",))
CREDENTIALS = frozenset("rn rrt crt np md lpn cna msw licsw licws pa-c crnp".split())
ACTIONS_AFTER = frozenset("called visited phoned visiting calls aware states stated says".split())
PERSON_VERBS_AFTER = frozenset("""lives lived spent said says told asked wants wanted works worked
    went has had is was will and 's thinks thought knows""".split())
PERSON_WORDS_BEFORE = frozenset("said told asked by starring with and to thank thanks dear".split())
SKIP = frozenset(", . ( ) - ' 's \"".split())
# Words that follow a relation word in notes but are never the relative's name
# ("WIFE STATES SHE ...", "HUSBAND WILL TRY", "SON NEWLY GRADUATED").
NOT_NAMES_AFTER_RELATION = ACTIONS_AFTER | PERSON_VERBS_AFTER | frozenset("""discussed will would
    went try return returned newly present here there updated informed notified also both who
    arrived in at at, spoke feels felt agrees agreed does did can could should may might""".split())
# SOAP note headings ("S. REMAINS INTUBATED", "P. CONTINUE DIURESIS") look like initials.
SOAP_LETTERS = frozenset("SOAPR")
# Characters that may come right before an initial ("I & O. Continue" and "U/O." are not).
BEFORE_INITIAL = frozenset(" \t\n(\"'[")


class NameRecognizer(EntityRecognizer):
    """Return PERSON spans found from titles, relation words, introductions, credentials,
    census first+last name pairs and spaCy PERSON entities (case-aware, see module lexicon)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="NameRecognizer")

    def load(self) -> None:
        self.first, self.last = first_names(), last_names()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        if nlp_artifacts is None or not isinstance(nlp_artifacts.tokens, Doc):
            return []
        doc = nlp_artifacts.tokens
        letters = [c for c in text if c.isalpha()]
        # Shouted notes give no case evidence, so they need list membership instead.
        caps = bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        hits: dict[int, float] = {}
        for tok in doc:
            score = self._score(doc, tok, caps)
            if score:
                hits[tok.i] = score
                self._extend(doc, tok.i, score, hits, caps)
            elif tok.lower_ in ("and", "&", ",") and tok.i - 1 in hits and tok.i + 1 < len(doc):
                # "Drs Joseph and Robbinson", "sons Smokey, Morris and Roger"
                nxt = doc[tok.i + 1]
                if self._namelike(nxt) and not is_plain_word(nxt.text) and (
                        nxt.lower_ in self.first or (nxt.is_title and not caps) or self._listed(nxt)):
                    hits[nxt.i] = hits[tok.i - 1]
                    self._extend(doc, nxt.i, hits[nxt.i], hits, caps)
        for ent, score in zip(nlp_artifacts.entities, nlp_artifacts.scores, strict=False):
            # spaCy's small model calls many drugs PERSON ("Ativan"); trust it for
            # capitalised words that are listed names or part of a multi-word name.
            titled = [t for t in ent if t.is_title and self._namelike(t) and not is_plain_word(t.text)
                      and t.lower_ not in RELATIONS and t.lower_ not in TITLES]
            # An unlisted single word ("Timotea", "Dzhambek") counts when it is not a
            # clinical or common word and the line is not shouted.
            if ent.label_ == "PERSON" and not caps and titled and (
                    len(titled) > 1 or any(self._listed(t) for t in titled)
                    or (len(ent) == 1 and len(titled[0]) > 3 and titled[0].is_alpha
                        and self._person_context(ent.doc, ent.start))):
                for tok in titled:
                    hits.setdefault(tok.i, min(score, 0.6))
        return [
            RecognizerResult("PERSON", doc[i].idx, doc[i].idx + len(doc[i].text), s)
            for i, s in sorted(hits.items())
        ]

    @staticmethod
    def _person_context(doc: Doc, i: int) -> bool:
        """Return True when the words around token i are what people, not things, do."""
        before = doc[i - 1].lower_ if i else ""
        after = doc[i + 1].lower_ if i + 1 < len(doc) else ""
        return after in PERSON_VERBS_AFTER or before in PERSON_WORDS_BEFORE

    @staticmethod
    def _namelike(tok: Token) -> bool:
        word = tok.text.replace("'", "").replace("-", "")
        return word.isalpha() and len(word) > 1

    def _listed(self, tok: Token) -> bool:
        return tok.lower_ in self.first or tok.lower_ in self.last

    def _prev(self, doc: Doc, i: int, n: int = 1) -> list[str]:
        """Return up to n lowercased non-punctuation tokens before i (nearest last)."""
        out: list[str] = []
        j = i - 1
        while j >= 0 and len(out) < n:
            if doc[j].is_space or "\n" in doc[j].text:
                break
            if doc[j].lower_ not in SKIP:
                out.insert(0, doc[j].lower_)
            j -= 1
        return out

    def _score(self, doc: Doc, tok: Token, caps: bool) -> float:
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        nxt2 = doc[tok.i + 2] if tok.i + 2 < len(doc) else None
        if self._initial_name(doc, tok, nxt):
            return 0.75  # "E. Welsh"
        if not self._namelike(tok) or tok.lower_ in RELATIONS or tok.lower_ in TITLES:
            return 0.0
        low, plain = tok.lower_, is_plain_word(tok.text)
        cased = tok.is_title or tok.is_upper
        prev = self._prev(doc, tok.i, 2)
        # "MS:" is mental status and "MR" a murmur; only a cased title with a name after it counts.
        title = prev and prev[-1] in TITLES and not (
            prev[-1] in ("ms", "mr") and doc[tok.i - 1].text.isupper())
        if title and (not plain or (self._listed(tok) and (
                cased or (low not in STOP_WORDS and low not in CLINICAL_ABBREVIATIONS)))):
            return 0.85
        if prev and prev[-1] in RELATIONS and low not in NOT_NAMES_AFTER_RELATION and (
            # "HUSBAND WILL TRY" and "WIFE STATES" are ruled out by the word list above.
            (low in self.first and low not in ("in", "is", "and"))
            or (cased and not plain and (not caps or self._listed(tok)))
        ):
            return 0.8
        if any(tuple(prev[-len(p):]) == p for p in INTRODUCTIONS) and (
            low in self.first and (cased or not plain) and (not plain or tok.is_title)
        ):
            return 0.75
        if prev[-2:] == ["name", "is"] or prev[-1:] == ["named"] or (
                tok.i >= 2 and doc[tok.i - 1].text == ":" and doc[tok.i - 2].lower_ == "name"):
            if (tok.is_title and not plain) or (self._listed(tok) and low not in STOP_WORDS):
                return 0.8
        after = nxt2 if nxt is not None and nxt.text == "," else nxt
        if after is not None and after.lower_.strip(".") in CREDENTIALS and not plain:
            return 0.75 if (not caps or self._listed(tok)) else 0.0
        if low in self.first and not plain and nxt is not None and self._namelike(nxt) and (
            nxt.lower_ in self.last or (nxt.is_title and not caps)
        ) and not is_plain_word(nxt.text) and (cased or not caps):
            return 0.7 if (cased or nxt.lower_ in self.last) else 0.0
        if not caps and tok.is_title and low in self.first and not plain and not self._sentence_start(doc, tok):
            return 0.6
        if not caps and tok.is_title and low in self.first and not plain and len(low) > 2 \
                and nxt is not None and nxt.is_lower and nxt.is_alpha:
            return 0.55  # "Scott is a very sympathetic person.", "Magnus spent a year"
        if not caps and tok.is_lower and low in self.first and not plain and nxt is not None \
                and nxt.lower_ in ACTIONS_AFTER:
            return 0.6
        return 0.0

    def _initial_name(self, doc: Doc, tok: Token, nxt: Token | None) -> bool:
        """Return True for an initial and a listed name after it ("E. Welsh"), not a SOAP
        heading ("O. Continue PT") or the end of an abbreviation ("I & O.", "U/O.")."""
        if not _initial(tok) or nxt is None or not self._namelike(nxt) or is_plain_word(nxt.text) \
                or len(nxt) <= 2:
            return False
        before = doc[tok.i - 1] if tok.i else None
        # A middle initial between capitalised words ("Faina D. Yefremova") needs no list.
        between = before is not None and self._namelike(before) and not is_plain_word(before.text) and (
            (before.is_title and nxt.is_title)
            or (before.is_upper and nxt.is_upper and before.lower_ in self.first))
        if not (self._listed(nxt) or between):
            return False
        if tok.idx and doc.text[tok.idx - 1] not in BEFORE_INITIAL:
            return False
        if tok.i and doc[tok.i - 1].text in ("&", "/", "+"):
            return False
        line_start = tok.idx == 0 or doc.text[:tok.idx].rstrip(" \t").endswith(("\n", "|"))
        return not (line_start and tok.text[0] in SOAP_LETTERS)

    @staticmethod
    def _sentence_start(doc: Doc, tok: Token) -> bool:
        return tok.i == 0 or doc[tok.i - 1].text in (".", "!", "?", ":") or "\n" in doc[tok.i - 1].text

    def _extend(self, doc: Doc, i: int, score: float, hits: dict[int, float], caps: bool) -> None:
        """Spread a hit over adjacent name parts: initials, surnames, hyphenated halves."""
        j = i + 1
        initials: list[int] = []  # kept only if a name part follows them
        while j < len(doc) and j <= i + 3:
            tok = doc[j]
            if tok.text == "-" and j + 1 < len(doc):
                j += 1
                continue
            if _initial(tok) or (not caps and len(tok.text) == 1 and tok.text.isupper() and j + 1 < len(doc)
                                 and doc[j + 1].is_title and self._namelike(doc[j + 1])):
                initials.append(j)
                j += 1
                continue
            if not self._namelike(tok) or is_plain_word(tok.text) or tok.lower_ in STOP_WORDS \
                    or tok.lower_ in RELATIONS or tok.lower_ in NOT_NAMES_AFTER_RELATION:
                break
            if tok.is_lower and not (tok.lower_ in self.last and doc[j - 1].is_lower):
                break  # in lowercase text only a listed surname continues a name
            if caps and not self._listed(tok) and not (
                    (doc[j - 1].lower_ in self.first or _initial(doc[j - 1])) and len(tok) > 2):
                break
            for k in (*initials, j):
                hits.setdefault(k, score)
            initials.clear()
            j += 1
        k = i - 1
        while k >= 0 and k >= i - 3:
            tok = doc[k]
            if tok.text == "-":
                k -= 1
                continue
            if not (_initial(tok) or (self._namelike(tok) and tok.lower_ in self.first
                                      and not is_plain_word(tok.text) and not tok.is_lower
                                      and tok.lower_ not in RELATIONS and tok.lower_ not in TITLES)):
                break
            hits.setdefault(k, score)
            k -= 1


def _initial(tok: Token) -> bool:
    """Return True for an initial such as "J." (uppercase letter and a full stop)."""
    return len(tok.text) == 2 and tok.text[0].isupper() and tok.text[0].isalpha() and tok.text[1] == "."
