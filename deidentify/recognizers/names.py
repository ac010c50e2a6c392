"""Person names: census name lists, an English vocabulary and spaCy NER, gated by case and context.

How much context a word needs depends on what the word is. A common census name needs
little; a word that is ordinary English and only rarely a name ("walker", "goal": WordNet
and the census frequencies, see `lexicon`) needs a capitalised form and a strong cue; words
in `COMMON_WORDS` and the clinical lists never count on list membership alone; a word on no
list ("Tkachuk") counts with a cue, unless one edit makes it English (a misspelling).

Cues, strongest first: titles (Dr, Mrs, "MR X HAD"); relation and role words before or
after the name (wife, son, HO, "Maria, his daughter", "(son)"); introductions ("my name
is", "I'm", "Hi"); credentials after a name (RN, "R.N."); what is said of someone told
about the patient ("X aware", "X paged"); "the X family"; "Surname, First"; first+last
pairs and two capitalised words no list knows as anything but a name; lists of such names;
a line that is only a name (signature, contact card) or addresses someone ("X, can you");
a closing line that is only a name; spaCy PERSON entities. Then, over the whole text:
initials between name parts are kept, and a name found once is tagged where it recurs.

The recognizer splits words itself (letters, digits, single punctuation marks) because notes
glue words together ("ok.dr vasquez.talked") in ways spaCy's tokenizer keeps whole; spaCy
is used for its entities only. Shouted (all-caps) text gives no case evidence, so there
census membership stands in for capitalisation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS
from spacy.tokens import Doc

from deidentify.recognizers.lexicon import (
    CLINICAL_ABBREVIATIONS,
    first_name_frequencies,
    is_bare_noun,
    is_english_word,
    is_plain_word,
    last_name_ranks,
    medical_terms,
)

TITLES = frozenset("dr drs doctor mr mrs ms miss prof professor rabbi rev reverend pastor".split())
RELATIONS = frozenset(
    """daughter son wife husband mother father mom dad sister brother dtr niece neice nephew
    friend grandson granddaughter grandmother grandfather spouse partner aunt uncle cousin
    fiance fiancee boyfriend girlfriend hcp proxy spokesperson caregiver neighbor neighbour
    daughter-in-law son-in-law stepson stepdaughter daughters sons sisters brothers nurse caseworker chaplain attending resident
    fellow intern therapist kid kids stepmother stepfather grandma grandpa mum""".split()
)
# What comes before a name in "my name is X", "ask for X"; the weak ones ("with X", "to X")
# also come before things, so they need a capitalised name.
INTRODUCTIONS = (("name", "is"), ("named",), ("named", "him"), ("named", "her"), ("call", "me"),
                 ("calls", "me"), ("i", "am"),
                 ("i", "'m"), ("i", "’m"), ("this", "is"), ("ask", "for"), ("called",),
                 ("hi",), ("hello",), ("hey",), ("dear",))
# Only a name can follow these, so they take a word on no list ("my name is vitoria").
SELF_INTRODUCTIONS = (("name", "is"), ("named",), ("named", "him"), ("named", "her"), ("call", "me"),
                      ("calls", "me"), ("i", "am"), ("i", "'m"), ("i", "’m"))
WEAK_INTRODUCTIONS = (("with",), ("to",), ("per",))
CREDENTIALS = frozenset("rn rrt crt np md lpn cna msw licsw licws pa-c crnp bsn msn".split())
# spaCy place labels, raw and as the analyzer renames them (see `analyzer.NER_LABELS`).
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "LOCATION", "FACILITY"})
# What is said of whoever was told about the patient ("Smith aware", "Jones paged").
TOLD = frozenset("aware notified paged informed".split())
# What a clinician does in a shouted note, after an initial or first name and a surname
# ("J SMITH ORDERED EPI", "BEA TURA AWARE"); alone these also follow drugs and tests.
TOLD_OR_ORDERED = TOLD | frozenset("ordered".split())
# What people do to a patient or a paper, before "by" ("seen by Okafor", "signed by").
DONE_BY = frozenset("""seen signed examined evaluated assessed visited referred directed written
    interviewed admitted discharged pronounced intubated extubated consulted""".split())
# Who may be named after "is": "health care proxy is Mary".
PROXIES = frozenset("hcp proxy spokesperson caregiver guardian".split())
# Roles written before a name ("HO Smith", "NP Jones"); also before ordinary words ("NP
# aware", "PA line"), so the name must be capitalised and no English word.
ROLES = frozenset("ho np pa md rn pcp sw".split())
ACTIONS_AFTER = frozenset("called visited phoned visiting calls aware states stated says".split())
PERSON_VERBS_AFTER = frozenset("""lives lived spent said says told asked wants wanted works worked
    went has had is was will and 's thinks thought knows shouted yelled screamed whispered
    replied answered smiled laughed wrote sang""".split())
PERSON_WORDS_BEFORE = frozenset("said told asked by starring with and to thank thanks dear".split())
# What only people do; "Ectopy has decreased", "Crepitus is unchanged" are things.
PERSON_ACTS = PERSON_VERBS_AFTER - frozenset("has had is was will and 's".split())
# What may come before a dialogue speaker's name, and what opens the speech after it.
SPEECH_BREAKS = frozenset(". ! ? \" “ ” '".split())
QUOTES = frozenset("\" “ '".split())
SPOKEN = QUOTES | frozenset("i me my you your we us ?".split())
# A question for a name is about a thing when it has one of these words ("What's the name
# of the drug?"); replies that are no name.
NAMED_THINGS = frozenset("""drug drugs medication medications medicine medicines pill pills
    tablet test tests procedure operation surgery condition disease diagnosis syndrome
    hospital clinic pharmacy ward unit street road town city village country company
    place product brand device app song book film movie band""".split())
ANSWER_WORDS = frozenset("yes yeah yep no nope sure okay ok sorry".split())
# Verbs of saying before the speaker's name ("says Bergqvist."), greetings before a name,
# and works named after their author ("the Sokolov novel").
SPEECH_VERBS = frozenset("says said asks asked replies replied adds added explains explained".split())
GREETINGS = frozenset({("hi",), ("hello",), ("hey",), ("dear",)})
WORKS = frozenset("novel novels song songs album albums film films poem poems".split())
# What people, not things, begin doing ("Mourik began writing"; "Bleeding began").
PASTIMES = frozenset("""writing singing painting acting playing studying teaching working
    dancing drawing composing recording performing""".split())
# What two people named together do ("Marrero and Murphy were precision engineers").
PAIR_VERBS = frozenset("were are have had met went wrote founded started sang said".split())
# Things take these too ("packing with Gelfoam", "Vanco and Levoq", "Sxnd and rxd"), so a
# word on no list needs a stronger one.
THING_CONTEXT = frozenset("with and to".split())
SIGN_OFFS = frozenset("thanks thank you regards best cheers sincerely love from".split())
SKIP = frozenset(", . ( ) - : ' 's \" ’ ’s 'S ’S".split())
SENTENCE_END = frozenset(". ! ? ;".split())
# Words that follow a relation word in notes but are never the relative's name
# ("WIFE STATES SHE ...", "HUSBAND WILL TRY", "SON NEWLY GRADUATED").
NOT_NAMES_AFTER_RELATION = ACTIONS_AFTER | PERSON_VERBS_AFTER | frozenset("""discussed will would
    went try return returned newly present here there updated informed notified also both who
    arrived in at at, spoke feels felt agrees agreed does did can could should may might began
    started""".split())
# Clinical shorthand that the census lists as names and that is not in `lexicon`'s lists
# ("LUE old CABG site", "Allegra PO", "assess ms. med for safety").
NOT_NAMES = frozenset("lue rue lle rle po med meds hosp cont abx cor surg".split())
# SOAP note headings ("S. REMAINS INTUBATED", "P. CONTINUE DIURESIS") look like initials.
SOAP_LETTERS = frozenset("SOAPR")
# Characters that may come right before an initial ("I & O. Continue" and "U/O." are not).
BEFORE_INITIAL = frozenset(" \t\n(\"'[")
# A census first name this common (percent of people) or a surname this highly ranked is
# a name even when it is also an English word ("Mark", "Walker"); rarer ones are words.
COMMON_FIRST_PERCENT = 0.005
# A Spanish function word is weak name evidence unless it is a common first name as well
# ("dan", "ella", "sean" stay names; "una", "mi", "al" need a strong cue).
SPANISH_WORD_NAME_PERCENT = 0.05
COMMON_LAST_RANK = 1000
# A first name this common, or one that is no English word, is a name even in lowercase
# after "with" or "to" ("talked with helen"); "with walker", "with flora" are things.
WELL_KNOWN_FIRST_PERCENT = 0.1
# Words keep an inner apostrophe ("O'Brien") but not a clitic ("Joe's", "I'm", "don't").
CLITIC = r"['’](?:[sSmMtTdD]|ll|LL|re|RE|ve|VE)\b"
WORD = re.compile(rf"{CLITIC}|[^\W\d_]+(?:(?!{CLITIC})['’][^\W\d_]+)*|\d+|[^\w\s]")


class _Word:
    """One word or punctuation mark, with the case facts the rules read."""

    __slots__ = ("cased", "digit_after", "end", "i", "idx", "is_lower", "is_title", "is_upper",
                 "lower", "newline_before", "space_before", "text")

    def __init__(self, text: str, idx: int, i: int, gap: str) -> None:
        self.text, self.idx, self.i, self.end = text, idx, i, idx + len(text)
        self.lower = text.lower()
        self.newline_before, self.space_before = "\n" in gap, bool(gap)
        self.is_upper = text.isupper()
        self.is_lower = text.islower()
        # "Smith", "McDowell", "O'Brien"; not "PAline", "PMed", "SMITH".
        self.is_title = text[0].isupper() and len(text) > 1 and not text[1].isupper() \
            and any(c.islower() for c in text)
        self.cased = self.is_title or self.is_upper
        self.digit_after = False  # set by _Text: "PaCO2", "SpO2" are codes, not names


class _Text:
    """The analysed text as words, with its case style (shouted, all lowercase, or mixed)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.places: set[int] = set()  # words in a spaCy place entity ("San Diego")
        self.words: list[_Word] = []
        last = 0
        for m in WORD.finditer(text):
            self.words.append(_Word(m.group(), m.start(), len(self.words), text[last:m.start()]))
            if m.group().isdigit() and len(self.words) > 1 and not self.words[-1].space_before:
                self.words[-2].digit_after = True
            last = m.end()
        letters = [c for c in text if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        # Shouted notes give no case evidence, so they need list membership instead; in
        # all-lowercase text a lowercase word after a cue may still be a name.
        self.caps = bool(letters) and upper > 0.6 * len(letters)
        self.lower = bool(letters) and upper < 0.03 * len(letters)

    def at(self, i: int) -> _Word | None:
        return self.words[i] if 0 <= i < len(self.words) else None


class NameRecognizer(EntityRecognizer):
    """Return PERSON spans found from titles, relation words, introductions, credentials,
    census first+last name pairs, sign-off lines and spaCy PERSON entities, then spread
    over initials and repeated mentions (case-aware, see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="NameRecognizer")

    def load(self) -> None:
        self.first_freq, self.last_rank = first_name_frequencies(), last_name_ranks()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        if nlp_artifacts is None or not isinstance(nlp_artifacts.tokens, Doc):
            return []
        t = _Text(text)
        starts = {w.idx: w.i for w in t.words}
        t.places = {starts[tok.idx] for ent in nlp_artifacts.entities if ent.label_ in PLACE_LABELS
                    for tok in ent if tok.idx in starts}
        hits: dict[int, float] = {}
        for w in t.words:
            score = self._score(t, w)
            if score:
                hits[w.i] = max(score, hits.get(w.i, 0.0))
                self._extend(t, w.i, score, hits)
            elif w.lower in ("and", "&", ",", "/") and w.i - 1 in hits and (nxt := t.at(w.i + 1)):
                # "Drs Joseph and Robbinson", "sons Smokey, Morris and Roger", "Dr. Lee/Shah"
                if self._namelike(nxt) and (not self._weak(nxt.lower) or (
                        hits[w.i - 1] >= 0.85 and nxt.is_title and not t.caps
                        and not self._vocabulary(nxt.lower))) and (
                        nxt.lower in self.first_freq or (nxt.is_title and not t.caps)
                        or self._listed(nxt.lower)):
                    hits[nxt.i] = hits[w.i - 1]
                    self._extend(t, nxt.i, hits[nxt.i], hits)
        self._entities(t, nlp_artifacts, hits)
        self._lists(t, hits)
        self._pairs(t, hits)
        self._speakers(t, hits)
        self._name_answers(t, hits)
        self._sign_off(t, hits)
        self._name_lines(t, hits)
        self._propagate(t, hits)
        self._fill_initials(t, hits)
        results = []
        for i, s in sorted(hits.items()):
            w, dot = t.words[i], t.at(i + 1)
            # An initial keeps its full stop: "E." not "E".
            end = dot.end if len(w.text) == 1 and dot is not None and dot.text == "." \
                and not dot.space_before else w.end
            results.append(RecognizerResult("PERSON", w.idx, end, s))
        return results

    # Word facts ---------------------------------------------------------------------------

    @staticmethod
    def _namelike(w: _Word) -> bool:
        word = w.text.replace("'", "").replace("’", "")
        return word.isalpha() and len(word) > 1 and not w.digit_after

    def _listed(self, low: str) -> bool:
        return low in self.first_freq or low in self.last_rank

    def _ordinary(self, low: str) -> bool:
        """Return True for English words that are at most rarely names ("goal", "walker" as a
        first name), but not for common names WordNet also lists ("mary", "smith")."""
        return is_english_word(low) and self.first_freq.get(low, 0.0) < COMMON_FIRST_PERCENT \
            and self.last_rank.get(low, COMMON_LAST_RANK + 1) > COMMON_LAST_RANK

    def _weak(self, low: str) -> bool:
        """Return True for words that need more than a weak cue to be a name ("with X"),
        Spanish function words among them ("soy una carga para")."""
        return is_plain_word(low) or low in NOT_NAMES or self._ordinary(low) or (
            low in SPANISH_STOP_WORDS and self.first_freq.get(low, 0.0) < SPANISH_WORD_NAME_PERCENT)

    def _vocabulary(self, low: str) -> bool:
        """Return True for words that even a strong cue ("Dr.", "wife") does not make a name:
        curated plain words and English words on no census list ("Rabbi sees pt")."""
        return is_plain_word(low) or low in NOT_NAMES or (
            is_english_word(low) and not self._listed(low))

    @staticmethod
    def _misspelt(low: str) -> bool:
        """Return True when one edit turns the word into English ("AGRESS", "presnt")."""
        letters = "abcdefghijklmnopqrstuvwxyz"
        splits = [(low[:k], low[k:]) for k in range(len(low) + 1)]
        edits = {a + b[1:] for a, b in splits if b} | {a + c + b for a, b in splits for c in letters} \
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        return any(len(e) > 3 and is_english_word(e) for e in edits - {low})

    def _unknown(self, low: str) -> bool:
        """Return True for a word on no list and not English (most unusual names)."""
        return not self._listed(low) and not is_english_word(low) and not is_plain_word(low) \
            and low not in NOT_NAMES and len(low) > 2

    # Context ------------------------------------------------------------------------------

    @staticmethod
    def _before(t: _Text, i: int, n: int, *, across_comma: bool = True) -> list[_Word]:
        """Return up to n words before word i (nearest last) on the same line and in the same
        sentence, skipping punctuation inside a name phrase ("Dr. X", "son, X")."""
        out: list[_Word] = []
        j = i - 1
        while j >= 0 and len(out) < n and not t.words[j + 1].newline_before:
            w = t.words[j]
            if w.text in SENTENCE_END:
                prev = t.at(j - 1)
                # The full stop of a title or an initial does not end the sentence.
                if w.text != "." or prev is None or not (prev.lower in TITLES or len(prev.text) == 1):
                    break
            elif w.text == "," and not across_comma:
                break
            elif w.text not in SKIP:
                out.insert(0, w)
            j -= 1
        return out

    @staticmethod
    def _sentence_start(t: _Text, w: _Word) -> bool:
        prev = t.at(w.i - 1)
        if prev is None or w.newline_before:
            return True
        if prev.text == ".":
            before = t.at(w.i - 2)
            return before is None or not (before.lower in TITLES or len(before.text) == 1)
        return prev.text in ("!", "?", ":")

    @staticmethod
    def _initial(t: _Text, w: _Word, *, lower_ok: bool = False) -> bool:
        """Return True for an initial: one letter and a full stop ("J.")."""
        dot = t.at(w.i + 1)
        return len(w.text) == 1 and w.text.isalpha() and (w.is_upper or lower_ok) \
            and dot is not None and dot.text == "." and not dot.space_before

    # Scoring one word ---------------------------------------------------------------------

    def _score(self, t: _Text, w: _Word) -> float:
        """The score of the first rule in ``NAME_RULES`` that w meets; 0.0 if none does."""
        rule = self.rule_for(t, w)
        return rule.score if rule is not None else 0.0

    def rule_for(self, t: _Text, w: _Word) -> NameRule | None:
        """The first rule in ``NAME_RULES`` that w meets (a 0.0 rule says it is no name)."""
        site = _Site(self, t, w)
        return next((rule for rule in NAME_RULES if rule.applies(self, site)), None)

    def _quoted_speaker(self, t: _Text, w: _Word, said: tuple[str, ...], nxt: _Word | None) -> bool:
        """Return True for the name after a verb of saying that ends the sentence or goes
        on to whom it was said ("says Bergqvist.", "said Maslin to Antonio"): a census name
        that is no English word, or a capitalised word on no list."""
        low = w.lower
        return said[-1:] != () and said[-1] in SPEECH_VERBS and w.is_title and not t.caps \
            and (nxt is None or nxt.text in (".", "!", "?", ",", ";") or nxt.lower == "to") \
            and not _thing_like(low) and (
                (self._listed(low) and not self._weak(low)) or self._unknown(low))

    def _second_part(self, t: _Text, w: _Word) -> _Word | None:
        """Return the word that would end a two-part name starting at w, past a capital
        middle initial ("Julieta S Almeida", "Faina D. Yefremova"); None if there is none."""
        j = w.i + 1
        middle = t.at(j)
        if middle is not None and len(middle.text) == 1 and middle.is_upper and middle.space_before:
            j += 2 if self._initial(t, middle) else 1
        last = t.at(j)
        if last is None or last.newline_before or not last.space_before or not self._namelike(last):
            return None
        return last

    def _unfamiliar_pair(self, t: _Text, w: _Word, last: _Word) -> bool:
        """Return True when two capitalised words are words that no list knows as anything but
        a name: one on no list at all, or both census names that are not English."""
        parts = (w.lower, last.lower)
        return last.is_title and not any(
            self._vocabulary(p) or p in RELATIONS or p in TITLES for p in parts) and (
            any(self._unknown(p) and not _thing_like(p) for p in parts)
            # "Magnus Poulsen": two listed names, unless spaCy reads a place ("San Diego")
            or (not any(self._weak(p) for p in parts) and not {w.i, last.i} <= t.places))

    def _after_title(self, t: _Text, title: _Word, w: _Word) -> bool:
        """Return True when w can be the name after a title ("Dr. Chen", "dr vasquez")."""
        low, plain = w.lower, is_plain_word(w.lower)
        if title not in self._before(t, w.i, 2, across_comma=False)[-2:] or any(
                len(p.text) > 1 for p in self._before(t, w.i, 2)[-1:] if p is not title):
            return False  # "MS, CONTINUE", "mild mr, etc"
        dot = t.at(title.i + 1)
        english = is_english_word(low) and not is_bare_noun(low)
        if low in NOT_NAMES:
            return False
        if title.lower in ("mr", "ms"):
            if dot is not None and dot.text == ".":
                # "3-4+MR. Given total", "MS. Aspiration": a full stop may end the sentence.
                return not english and not plain and (
                    not (title.is_upper and not t.caps) or not self._vocabulary(low))
            if title.is_upper:
                # "MS:" is mental status and "MR" a murmur; "MR LOMISH HAD A GOOD DAY" is a name.
                verb = t.at(w.i + 1)
                return self._sentence_start(t, title) and not self._weak(low) \
                    and verb is not None and verb.lower in PERSON_VERBS_AFTER
            if title.is_lower:
                return self._listed(low) and not self._weak(low)
        if plain:
            return self._listed(low) and (
                w.cased or (low not in STOP_WORDS and low not in CLINICAL_ABBREVIATIONS))
        if not w.cased and not title.is_lower and english:
            return False  # "Rabbi sees pt"; but "Dr. griffin made aware"
        # WordNet lists names as nouns only ("DR TYRO").
        return not self._vocabulary(low) or (w.cased and is_bare_noun(low))

    def _surname_first(self, t: _Text, w: _Word, first: _Word) -> bool:
        """Return True for "Surname, First": a census surname or unlisted word, a comma, and a
        common first name, written alike (both capitalised, or both shouted)."""
        if first.newline_before or first.lower not in self.first_freq or self._weak(first.lower) \
                or is_plain_word(first.lower) or self._weak(w.lower):
            return False
        alike = (w.is_title and first.is_title) or (w.is_upper and first.is_upper and len(w.text) > 2)
        known = w.lower in self.last_rank or (self._unknown(w.lower) and not self._misspelt(w.lower)
                                              and not _thing_like(w.lower))
        return alike and known and self._namelike(w) and self._namelike(first)

    @staticmethod
    def _credential_after(t: _Text, w: _Word) -> _Word | None:
        """Return the first word of a credential right after w, past a comma: "RN", "R.N."."""
        j = w.i + 1
        if (c := t.at(j)) is not None and c.text == ",":
            j += 1
        first = t.at(j)
        if first is None or first.newline_before:
            return None
        if first.lower in CREDENTIALS:
            return first
        letters = ""
        while (c := t.at(j)) is not None and len(c.text) == 1 and c.text.isalpha() \
                and (d := t.at(j + 1)) is not None and d.text == "." and not d.space_before \
                and (j == first.i or not c.space_before):
            letters += c.lower
            j += 2
        return first if len(letters) > 1 and letters in CREDENTIALS else None

    @staticmethod
    def _relation_after(t: _Text, w: _Word) -> bool:
        """Return True when a relation word follows w in brackets or after a comma: "Hank
        (son)", "Maria, his daughter,"."""
        sep = t.at(w.i + 1)
        if sep is None or sep.text not in ("(", ","):
            return False
        j = w.i + 2
        if (n := t.at(j)) is not None and n.lower in ("his", "her", "their", "pt", "pts", "patient"):
            j += 1
            if (n := t.at(j)) is not None and n.text in ("'s", "’s"):
                j += 1
        n = t.at(j)
        return n is not None and n.lower in RELATIONS and not n.newline_before

    def _role_name(self, t: _Text, w: _Word) -> bool:
        """Return True when w can be a name next to a role or relation word that is not a
        cue on its own ("NP Okafor" but not "NP aware", "PA Catheter")."""
        low = w.lower
        if self._weak(low) or not w.cased:
            return False
        if t.caps:  # shouted shorthand and misspellings are on no list: "NP SXN", "PA STAS"
            return self._listed(low) and low not in STOP_WORDS
        return w.is_title and (self._listed(low) or (self._unknown(low) and not self._misspelt(low)))

    def _irish_o(self, t: _Text, w: _Word) -> bool:
        """Return True for an "O" written apart from its surname right after a title ("Dr. o
        rourke", "Dr O Brien"): notes drop the apostrophe of O'Rourke."""
        nxt = t.at(w.i + 1)
        if w.lower != "o" or nxt is None or not nxt.space_before or nxt.newline_before \
                or not self._namelike(nxt) or len(nxt.text) < 3 or self._weak(nxt.lower):
            return False
        prev = self._before(t, w.i, 1, across_comma=False)
        return bool(prev) and prev[-1].lower in TITLES and (
            nxt.lower in self.last_rank or (self._unknown(nxt.lower) and not self._misspelt(nxt.lower)))

    @staticmethod
    def _told_after(t: _Text, w: _Word) -> bool:
        """Return True when "aware", "notified" (or "made aware") follows w."""
        nxt, nxt2 = t.at(w.i + 1), t.at(w.i + 2)
        return nxt is not None and (nxt.lower in TOLD or (
            nxt.lower == "made" and nxt2 is not None and nxt2.lower == "aware"))

    def _shouted_told(self, t: _Text, w: _Word) -> bool:
        """Return True for a surname in a shouted note between an initial or a census first
        name and what a clinician is told or orders ("N. GRANDONE AWARE", "BEA TURA AWARE",
        "J SMITH ORDERED"). The surname may be on no list, but not an English word or a
        misspelt one; the word before it must be a name part, not a drug ("KCL ORDERED")."""
        nxt = t.at(w.i + 1)
        if nxt is None or nxt.lower not in TOLD_OR_ORDERED or not self._namelike(w) or len(w.text) < 3:
            return False
        low = w.lower
        if not ((low in self.last_rank and not self._weak(low))
                or (self._unknown(low) and not self._misspelt(low))):
            return False
        prev = t.at(w.i - 1)
        if prev is None or w.newline_before:
            return False
        if prev.text == "." and (p2 := t.at(w.i - 2)) is not None and self._initial(t, p2):
            return True  # "N. GRANDONE"
        if len(prev.text) == 1 and prev.is_upper and prev.text.isalpha():
            before = t.at(prev.i - 1)
            # A bare initial, not a side ("R IJ", "L SMITH" after "ARM") or a SOAP letter.
            return prev.text not in SOAP_LETTERS and prev.text not in "RL" and (
                before is None or before.text in (",", ".", ";", ":") or before.newline_before)
        return self._namelike(prev) and prev.lower in self.first_freq and not self._weak(prev.lower) \
            and prev.lower not in RELATIONS and prev.lower not in TITLES and not _thing_like(low)

    def _after_relation(self, t: _Text, relation: _Word, w: _Word) -> bool:
        """Return True when w can be the name after a relation word ("wife Helen")."""
        low = w.lower
        if low in NOT_NAMES_AFTER_RELATION or low in ("in", "is", "and") or low in NOT_NAMES:
            return False
        if not (w.cased or relation.is_lower or t.caps):
            return False  # "Daughter is", not "Daughter emily"
        if low in self.first_freq and not self._ordinary(low):
            return True  # "son bill", "SON ROB"; not "MOM GIVEN"
        if w.cased and not t.caps:
            # "Sons Smokey, Morris"; not "spokesperson, Phone", "Wife: Spanish speaking"
            return not self._vocabulary(low) and not self._ordinary(low)
        if self._weak(low):
            return False
        # "BROTHER VINNY", "husband milovan"; not a misspelt verb ("WIFE AGRESS THAT").
        return (self._listed(low) and t.caps) or (self._unknown(low) and not self._misspelt(low))

    def _name_before_credential(self, t: _Text, w: _Word, credential: _Word) -> bool:
        """Return True for a name before a credential ("Carole Hayes, RN", a plain surname after
        a first name: "Gordon Foley RRT"); `_extend` then takes in the first name before it."""
        low = w.lower
        if not (w.cased or credential.is_lower):
            return False
        prev = t.at(w.i - 1)
        if is_plain_word(low) or low in NOT_NAMES:
            # A plain surname counts after a first name: "Bernard Foley CRT".
            return (prev is not None and w.cased and low in self.last_rank and prev.cased
                    and prev.lower in self.first_freq and not self._weak(prev.lower))
        # After an initial or a first name a listed surname counts ("q. lander rrt").
        named = prev is not None and (self._initial(t, t.words[prev.i - 1], lower_ok=True)
                                      if prev.text == "." and prev.i else prev.lower in self.first_freq)
        return not ((self._vocabulary(low) if named else self._weak(low)) or (t.caps and not self._listed(low)))

    def _initial_name(self, t: _Text, w: _Word) -> bool:
        """Return True for an initial and a listed name after it ("E. Welsh"), not a SOAP
        heading ("O. Continue PT") or the end of an abbreviation ("I & O.", "U/O.")."""
        nxt = t.at(w.i + 2)
        if not self._initial(t, w) or nxt is None or not self._namelike(nxt) \
                or is_plain_word(nxt.lower) or len(nxt.text) <= 2 or not nxt.cased:
            return False
        before = t.at(w.i - 1)
        # A middle initial between capitalised words ("Faina D. Yefremova") needs no list.
        between = before is not None and not w.newline_before and self._namelike(before) \
            and not is_plain_word(before.lower) and (
                (before.is_title and nxt.is_title)
                or (before.is_upper and nxt.is_upper and before.lower in self.first_freq))
        if not (self._listed(nxt.lower) or between):
            return False
        if w.idx and t.text[w.idx - 1] not in BEFORE_INITIAL:
            return False
        if before is not None and before.text in ("&", "/", "+"):
            return False
        line_start = w.idx == 0 or t.text[:w.idx].rstrip(" \t").endswith(("\n", "|"))
        return not (line_start and w.text in SOAP_LETTERS)

    # Spreading a hit ----------------------------------------------------------------------

    def _extend(self, t: _Text, i: int, score: float, hits: dict[int, float]) -> None:
        """Spread a hit over adjacent name parts: initials, surnames, hyphenated halves."""
        start_initial = self._initial(t, t.words[i])
        j = i + 2 if start_initial else i + 1
        initials: list[int] = []  # kept only if a name part follows them
        joined = False  # right after a hyphen with no space: "Retterer-moore"
        while j < len(t.words) and j <= i + 4:
            w = t.words[j]
            if w.newline_before:
                break
            if w.text == "-" and not w.space_before and (n := t.at(j + 1)) and not n.space_before:
                joined = True
                j += 1
                continue
            if self._initial(t, w) or (not t.caps and len(w.text) == 1 and w.is_upper
                                       and (n := t.at(j + 1)) is not None and n.is_title
                                       and self._namelike(n)):
                initials.append(j)
                j += 2 if self._initial(t, w) else 1
                continue
            if not self._namelike(w) or w.lower in STOP_WORDS or w.lower in RELATIONS \
                    or w.lower in NOT_NAMES_AFTER_RELATION or w.lower in NOT_NAMES or w.lower in CREDENTIALS:
                break
            if self._vocabulary(w.lower):
                # After a title a capitalised word still counts ("Dr. Ferdinand Halfpenny"),
                # if plain only a common surname ("Dr. Art White"); right after a first name
                # a common surname counts too ("Ivan King", "Zoe Young").
                after_first = j == i + 1 and w.is_title and not t.caps and t.words[i].is_title \
                    and t.words[i].lower in self.first_freq and self._common_surname(w)
                if not after_first and not (score >= 0.85 and w.is_title and not t.caps and (
                        not is_plain_word(w.lower)
                        or self.last_rank.get(w.lower, COMMON_LAST_RANK + 1) <= COMMON_LAST_RANK)):
                    break
            elif joined:
                pass
            elif w.is_lower and score >= 0.8 and not t.caps and t.words[j - 1].is_title \
                    and w.lower in self.last_rank and w.lower not in TOLD_OR_ORDERED and not self._ordinary(w.lower):
                pass  # after a strong cue a listed surname in lowercase: "his wife, Janet logan"
            elif w.is_lower and not (t.words[j - 1].is_lower and (
                    w.lower in self.last_rank or (self._unknown(w.lower) and t.lower))):
                break  # in lowercase text only a listed or unknown word continues a name
            elif t.caps and not self._listed(w.lower) and not (
                    (t.words[j - 1].lower in self.first_freq or initials or start_initial)
                    and len(w.text) > 2):
                break
            for k in (*initials, j):
                hits.setdefault(k, score)
            initials.clear()
            joined = start_initial = False
            j += 1
        credential = self._credential_after(t, t.words[i]) is not None
        k = i - 1
        while k >= 0 and k >= i - 4 and not t.words[k + 1].newline_before:
            w = t.words[k]
            if w.text == "-" and not w.space_before:
                k -= 1
                continue
            if w.text == "." and k >= 1 and self._initial(t, t.words[k - 1],
                                                          lower_ok=t.words[i].is_lower):
                hits.setdefault(k - 1, score)  # "E. Welsh", and "q. lander rrt" in lowercase
                k -= 2
                continue
            b = t.at(k - 2) if (d := t.at(k - 1)) is not None and d.text == "." else d
            if len(w.text) == 1 and w.is_upper and b is not None and b.lower in TITLES \
                    and score >= 0.85:
                hits.setdefault(k, score)  # the initial in "Dr. J Smith"
                break
            if len(w.text) == 1 and w.is_upper and k == i - 1 and t.caps and self._shouted_told(t, t.words[i]):
                hits.setdefault(k, score)  # the initial in "J SMITH ORDERED"
                break
            first = self._namelike(w) and w.lower in self.first_freq and not self._weak(w.lower) \
                and not w.is_lower and w.lower not in RELATIONS and w.lower not in TITLES
            # Before a credential an unlisted capitalised word is the first name ("Andrwe
            # O'connell MD"), and so is a first name that is also a word, written like the
            # surname ("pat rixford licws").
            unlisted = credential and k == i - 1 and w.is_title and self._unknown(w.lower)
            # Before a surname that a relation word follows ("URSLA MORETTI (DAUGHTER)").
            unlisted = unlisted or (k == i - 1 and w.cased and self._unknown(w.lower) and not _thing_like(w.lower)
                                    and self._relation_after(t, t.words[i]))
            plain_first = credential and k == i - 1 and w.lower in self.first_freq and self._namelike(w) \
                and w.lower not in STOP_WORDS and w.lower not in CLINICAL_ABBREVIATIONS \
                and w.lower not in NOT_NAMES and w.is_lower == t.words[i].is_lower \
                and w.is_title == t.words[i].is_title
            if not (first or unlisted or plain_first):
                break
            hits.setdefault(k, score)
            k -= 1

    def _entities(self, t: _Text, nlp_artifacts: NlpArtifacts, hits: dict[int, float]) -> None:
        """Add spaCy PERSON entities whose words look like names."""
        if t.caps:
            return  # spaCy's model reads shouted text poorly
        starts = {w.idx: w for w in t.words}
        for ent, score in zip(nlp_artifacts.entities, nlp_artifacts.scores, strict=False):
            if ent.label_ != "PERSON":
                continue
            words = [starts[tok.idx] for tok in ent if tok.idx in starts]
            # spaCy's small model calls many drugs and sentence-initial words PERSON
            # ("Ativan", "Goal is"); trust it for words that are not ordinary English.
            names = [w for w in words if self._namelike(w) and not self._weak(w.lower)
                     and w.lower not in RELATIONS and w.lower not in TITLES and w.lower not in CREDENTIALS
                     and (w.is_title or (t.lower and w.is_lower))]
            if not names:
                continue
            if len(names) > 1:
                # Lowercase text needs a first name among them ("olga krylova").
                if names[0].is_lower and not any(w.lower in self.first_freq for w in names):
                    continue
                found = min(score, 0.65)
            else:
                single = names[0]
                # A single unlisted word ("Timotea", "Dzhambek") needs person context.
                if single.is_lower or not (self._listed(single.lower) or (
                        len(single.text) > 3 and single.text.isalpha()
                        and not _thing_like(single.lower) and self._person_context(t, single))):
                    continue
                found = min(score, 0.6)
            for w in names:
                hits.setdefault(w.i, found)

    @staticmethod
    def _person_context(t: _Text, w: _Word) -> bool:
        """Return True when the words around w are what people, not things, do."""
        before, after = t.at(w.i - 1), t.at(w.i + 1)
        return (after is not None and after.lower in PERSON_VERBS_AFTER - THING_CONTEXT) or (
            before is not None and before.lower in PERSON_WORDS_BEFORE - THING_CONTEXT)

    def _lists(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag a list of three or more capitalised names ("Kónya, Becker and Vasquez"): each
        a census name or a word on no list, none an English word, except that a common
        surname that is also a word may stand among two such names ("Šušulić, Bowman and
        White"). In text typed all in lowercase, a list of first names ("silvana, adam,
        christopher and caleb")."""
        if t.caps:
            return
        i = 0
        while i < len(t.words):
            run, j = [i], i
            while self._list_member(t, t.words[run[-1]]):
                j = run[-1] + 1
                seps: list[str] = []
                while (w := t.at(j)) is not None and w.lower in (",", "and", "&") and len(seps) < 2:
                    seps.append(w.lower)
                    j += 1
                if not seps or seps not in ([","], ["and"], ["&"], [",", "and"]) \
                        or (n := t.at(j)) is None or not self._list_member(t, n):
                    break
                run.append(j)
            if len(run) >= 3 and sum(self._list_member(t, t.words[k]) == 2 for k in run) >= 2:
                for k in run:
                    hits.setdefault(k, 0.6)
            i = run[-1] + 1

    def _list_name(self, t: _Text, w: _Word) -> bool:
        return self._namelike(w) and w.is_title and not self._vocabulary(w.lower) \
            and not _thing_like(w.lower) and (self._listed(w.lower) or self._unknown(w.lower))

    def _list_member(self, t: _Text, w: _Word) -> int:
        """Return 2 for a word that is a name in a list, 1 for a common surname that is also a
        word ("White", "Reed"), 0 for anything else."""
        low = w.lower
        if t.lower and w.is_lower:
            return 2 if self._namelike(w) and low in self.first_freq and not self._weak(low) \
                and low not in RELATIONS and not _thing_like(low) else 0
        if self._list_name(t, w):
            return 2
        return 1 if self._common_surname(w) else 0

    def _common_surname(self, w: _Word) -> bool:
        """Return True for a capitalised common census surname, English word or not ("White")."""
        return w.is_title and self._namelike(w) and w.lower not in NOT_NAMES \
            and w.lower not in CLINICAL_ABBREVIATIONS and w.lower not in medical_terms() \
            and self.last_rank.get(w.lower, COMMON_LAST_RANK + 1) <= COMMON_LAST_RANK

    def _pairs(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag two names joined by "and" that then do something together ("Marrero and Murphy
        were precision engineers", "Park and Mann were"): capitalised census names or words
        on no list, one of them may be a common surname that is also a word, not both."""
        if t.caps:
            return
        for w in t.words:
            a, b, verb = t.at(w.i - 1), t.at(w.i + 1), t.at(w.i + 2)
            if w.lower not in ("and", "&") or a is None or b is None or verb is None \
                    or verb.lower not in PAIR_VERBS or {a.i, b.i} <= t.places:
                continue
            kinds = [self._list_member(t, x) if not (t.lower and x.is_lower) else 0 for x in (a, b)]
            if min(kinds) >= 1 and max(kinds) == 2:
                for x in (a, b):
                    hits.setdefault(x.i, 0.6)

    def _speakers(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag the speakers of a written dialogue ("Ubul: What a wife. Nicole: Remember me",
        'Koppány: "Who are you?"'): a word that starts a line or a sentence, a colon right
        after it, then a quote or a capitalised sentence. A note's headings look the same
        ("Neuro: Alert"), so at least two speakers are needed, one of them a name that is no
        English word; a census first name that is also a word ("Destiny") counts beside it."""
        if t.caps:
            return
        found: list[tuple[int, bool]] = []
        for w in t.words:
            colon, said, prev = t.at(w.i + 1), t.at(w.i + 2), t.at(w.i - 1)
            if colon is None or colon.text != ":" or colon.space_before or said is None \
                    or said.newline_before or not self._namelike(w):
                continue
            if not (prev is None or w.newline_before or prev.text in SPEECH_BREAKS):
                continue
            if not (said.text in QUOTES or (said.is_title and not t.lower)):
                continue
            low = w.lower
            if not (w.is_title or (t.lower and w.is_lower)) or low in RELATIONS or low in TITLES \
                    or low in NOT_NAMES or _thing_like(low) or low in CLINICAL_ABBREVIATIONS \
                    or low in medical_terms():
                continue
            strong = (self._listed(low) and not self._weak(low)) or self._unknown(low)
            if strong or low in self.first_freq:
                found.append((w.i, strong))
        if len(found) < 2 or not any(strong for _, strong in found):
            return
        # What they say is speech, not a finding: a quote, someone spoken to or of in the
        # first or second person, or a question ("Remember me, Mary?").
        speech = {t.words[k].lower for i, _ in found for k in range(i + 2, min(i + 16, len(t.words)))}
        if speech & SPOKEN:
            for i, _ in found:
                hits.setdefault(i, 0.6)

    def _name_answers(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag the answer to a question that asks for a name ("What's your last name?
        Boyle", "What's the name on the account? User: Maja S Hermansen"): the capitalised
        words after the question, up to the end of the line or sentence, none of them an
        English word that is no census name."""
        for q in t.words:
            if q.text != "?":
                continue
            asked = {w.lower for w in self._before(t, q.i, 8)}
            if not asked & {"name", "names", "surname"} or asked & NAMED_THINGS:
                continue
            k = q.i + 1
            if (label := t.at(k)) is not None and (c := t.at(k + 1)) is not None and c.text == ":" \
                    and label.lower not in STOP_WORDS:
                k += 2  # a speaker label: "User: Maja S Hermansen"
            run: list[_Word] = []
            while (w := t.at(k)) is not None and len(run) < 4 and not (run and w.newline_before):
                if len(w.text) == 1 and w.is_upper and run:
                    run.append(w)  # a middle initial
                    k += 2 if self._initial(t, w) else 1
                    continue
                low = w.lower
                # WordNet lists some names as bare nouns ("Maja"); after an initial any
                # capitalised word is the surname ("Jildau S Bouts").
                after_initial = bool(run) and len(run[-1].text) == 1
                if not self._namelike(w) or not (w.is_title or (t.lower and w.is_lower)) \
                        or low in STOP_WORDS or low in ANSWER_WORDS or low in RELATIONS or low in TITLES or _thing_like(low) \
                        or (self._vocabulary(low) and not after_initial and (
                            is_plain_word(low) or not is_bare_noun(low))):
                    break
                run.append(w)
                k += 1
            end = t.at(k)
            if run and len(run[-1].text) > 1 and (end is None or end.newline_before
                                                  or end.text in (".", "!", ",")):
                for w in run:
                    hits.setdefault(w.i, 0.7)

    def _name_lines(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag a line that is only a first and last name, the way a signature or contact card
        starts ("aksel kristensen", "Leidy T Muris"): no English word, a census first name
        or words on no list, all capitalised or, in lowercase text, all lowercase."""
        if t.caps:
            return
        lines: list[list[_Word]] = []
        for w in t.words:
            if w.newline_before or not lines:
                lines.append([])
            lines[-1].append(w)
        for line in lines:
            words = [w for w in line if w.text != "."]
            if not 2 <= len(words) <= 3 or not (all(w.is_title or (len(w.text) == 1 and w.is_upper)
                                                    for w in words)
                                                or (t.lower and all(w.is_lower for w in words))):
                continue
            first, last = words[0], words[-1]
            middle_ok = len(words) == 2 or len(words[1].text) == 1
            if not middle_ok or not (self._namelike(first) and self._namelike(last)):
                continue
            parts = (first.lower, last.lower)
            if any(self._weak(p) or self._vocabulary(p) or _thing_like(p) or p in RELATIONS
                   or p in TITLES for p in parts):
                continue
            if first.lower in self.first_freq or any(self._unknown(p) for p in parts):
                for w in words:
                    hits.setdefault(w.i, 0.6)

    def _sign_off(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag a closing line or sentence that is only a name ("...1400U/HR. SUSAN",
        "Thanks,\nMaria")."""
        closing: list[_Word] = []
        for w in reversed(t.words):
            if w.text in SENTENCE_END and closing:
                break
            closing.insert(0, w)
            if w.newline_before:
                break
        if len(closing) == len(t.words):
            return  # a message that is one sentence has no sign-off
        words = [w for w in closing if w.lower not in SIGN_OFFS and w.text not in (",", "-", ".")]
        if not 1 <= len(words) <= 3 or not all(self._namelike(w) or self._initial(t, w)
                                                for w in words):
            return
        if all(w.cased or t.lower for w in words) and any(
                w.lower in self.first_freq and not self._weak(w.lower) for w in words) and not any(
                self._weak(w.lower) for w in words if len(w.text) > 1):
            for w in words:
                hits.setdefault(w.i, 0.6)

    def _propagate(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag other mentions of a name found in this text ("Dr. Vasquez ... Vasquez said")."""
        found: dict[str, tuple[float, bool]] = {}
        for i, score in hits.items():
            w = t.words[i]
            # Not from a lone word that spaCy alone called a person (often a drug or device).
            if score > 0.6 and len(w.text) > 2 and self._namelike(w) and not self._weak(w.lower):
                seen = found.get(w.lower, (0.0, True))
                # A name that is also English ("Dick", "Hank") written capitalised is only
                # that name where it is capitalised again.
                found[w.lower] = (max(seen[0], score),
                                  seen[1] and w.cased and is_english_word(w.lower))
        for w in t.words:
            if w.i in hits or w.lower not in found:
                continue
            score, needs_case = found[w.lower]
            if w.cased or not needs_case or t.caps:
                hits[w.i] = min(score, 0.7)

    def _fill_initials(self, t: _Text, hits: dict[int, float]) -> None:
        """Tag single capital letters between two name parts ("Stephan M Urner")."""
        for w in t.words:
            if w.i in hits or len(w.text) != 1 or not w.is_upper or w.i - 1 not in hits:
                continue
            nxt = t.at(w.i + 2) if self._initial(t, w) else t.at(w.i + 1)
            if nxt is not None and nxt.i in hits and not nxt.newline_before:
                hits[w.i] = hits[w.i - 1]


class _Site:
    """One word in its context: what the rules of ``NAME_RULES`` read. The context is
    computed on first use, so a word that an early rule settles pays for none of it."""

    def __init__(self, r: NameRecognizer, t: _Text, w: _Word) -> None:
        self.r, self.t, self.w = r, t, w
        self.low = w.lower
        self.nxt, self.nxt2 = t.at(w.i + 1), t.at(w.i + 2)

    @cached_property
    def plain(self) -> bool:
        return is_plain_word(self.low)

    @cached_property
    def prev(self) -> list[_Word]:
        """Up to three words before, on the same line and in the same sentence."""
        return self.r._before(self.t, self.w.i, 3)

    @cached_property
    def said(self) -> tuple[str, ...]:
        return tuple(p.lower for p in self.prev)

    @cached_property
    def cue(self) -> _Word | None:
        """The word that may make w a name: the one before it, or the relation or title
        further back ("daughter in law Mary", "health care proxy is Mary", "Dr. J Smith")."""
        prev, said = self.prev, self.said
        cue = prev[-1] if prev else None
        if said[-2:] in (("in", "law"), ("is", "hcp"), ("is", "proxy")) or (
                said[-1:] == ("is",) and said[-2:-1] and said[-2] in PROXIES):
            cue = prev[-3] if said[-2:] == ("in", "law") and len(prev) == 3 else prev[-2]
        if cue is not None and len(cue.text) == 1 and cue.is_upper and len(prev) > 1 \
                and prev[-2].lower in TITLES:
            cue = prev[-2]
        return cue

    @cached_property
    def credential(self) -> _Word | None:
        return self.r._credential_after(self.t, self.w)

    @cached_property
    def last(self) -> _Word | None:
        """The second part of a two-part name starting at w."""
        return self.r._second_part(self.t, self.w)


@dataclass(frozen=True)
class NameRule:
    """One row of ``NAME_RULES``: a word that ``applies`` gets ``score`` (0.0: no name)."""

    name: str
    applies: Callable[[NameRecognizer, _Site], bool]
    score: float


# The predicates of ``NAME_RULES``, in its order; each may assume the rows above it failed.

def _not_namelike(r: NameRecognizer, s: _Site) -> bool:
    return not r._namelike(s.w) or s.low in RELATIONS or s.low in TITLES


def _after_title(r: NameRecognizer, s: _Site) -> bool:
    return s.cue is not None and s.cue.lower in TITLES and r._after_title(s.t, s.cue, s.w)


def _after_relation(r: NameRecognizer, s: _Site) -> bool:
    return s.cue is not None and s.cue.lower in RELATIONS and r._after_relation(s.t, s.cue, s.w)


def _introduced(r: NameRecognizer, s: _Site) -> bool:
    w, low, said = s.w, s.low, s.said
    return any(said[-len(p):] == p for p in INTRODUCTIONS) and (
        (low in r.first_freq and not r._ordinary(low) and (w.cased or not s.plain)
         and (not s.plain or w.is_title))
        or (any(said[-len(p):] == p for p in SELF_INTRODUCTIONS) and r._unknown(low)
            and not r._misspelt(low) and not _thing_like(low)))


def _weakly_introduced(r: NameRecognizer, s: _Site) -> bool:
    t, w, low, nxt = s.t, s.w, s.low, s.nxt
    return any(s.said[-len(p):] == p for p in WEAK_INTRODUCTIONS) and low in r.first_freq \
        and not r._ordinary(low) and (w.is_title or (t.caps and w.is_upper and not s.plain) or (
            w.is_lower and not t.caps and not s.plain
            and not (nxt is not None and nxt.text == "-" and not nxt.space_before)  # "flo-by"
            and (r.first_freq[low] >= WELL_KNOWN_FIRST_PERCENT or not is_english_word(low))))


def _done_by(r: NameRecognizer, s: _Site) -> bool:
    said = s.said
    return said[-1:] == ("by",) and bool(said[-2:-1]) and said[-2] in DONE_BY \
        and r._role_name(s.t, s.w) and not _thing_like(s.low)


def _named(r: NameRecognizer, s: _Site) -> bool:
    t, w, low, said = s.t, s.w, s.low, s.said
    return (said[-2:] == ("name", "is") or said[-1:] == ("named",) or (
        w.i >= 2 and t.words[w.i - 1].text == ":" and t.words[w.i - 2].lower == "name")) and (
        (w.is_title and not s.plain)
        or (r._listed(low) and low not in STOP_WORDS and not r._ordinary(low)))


def _surname_comma_first(r: NameRecognizer, s: _Site) -> bool:
    return s.nxt is not None and s.nxt.text == "," and s.nxt2 is not None \
        and r._surname_first(s.t, s.w, s.nxt2)


def _before_credential(r: NameRecognizer, s: _Site) -> bool:
    return s.credential is not None and r._name_before_credential(s.t, s.w, s.credential)


def _relation_after(r: NameRecognizer, s: _Site) -> bool:
    return r._relation_after(s.t, s.w) and r._role_name(s.t, s.w)


def _after_role(r: NameRecognizer, s: _Site) -> bool:
    cue = s.cue
    return cue is not None and cue.lower in ROLES and (cue.is_upper or (cue.is_lower and not s.t.caps)) \
        and r._role_name(s.t, s.w)


def _role_before_told_after(r: NameRecognizer, s: _Site) -> bool:
    cue, low = s.cue, s.low
    return cue is not None and cue.lower in ROLES and cue.is_upper and r._told_after(s.t, s.w) \
        and low in r.first_freq and low not in STOP_WORDS and low not in CLINICAL_ABBREVIATIONS


def _told_after(r: NameRecognizer, s: _Site) -> bool:
    nxt, nxt2 = s.nxt, s.nxt2
    return nxt is not None and (nxt.lower in TOLD or (nxt.lower == "made" and nxt2 is not None
                                                      and nxt2.lower == "aware")) \
        and r._role_name(s.t, s.w) and not r._misspelt(s.low)


def _family(r: NameRecognizer, s: _Site) -> bool:
    w, low = s.w, s.low
    return s.nxt is not None and s.nxt.lower == "family" and w.cased and not r._weak(low) \
        and (r._listed(low) or r._unknown(low)) and not r._sentence_start(s.t, w)


def _first_and_surname(r: NameRecognizer, s: _Site) -> bool:
    """A listed first name and a surname after it, in any case style."""
    t, w, low, last = s.t, s.w, s.low, s.last
    return low in r.first_freq and not r._weak(low) and last is not None and (
        # "James Talbot", "Julieta S Almeida"
        (w.is_title and last.is_title and not t.caps and not r._vocabulary(last.lower))
        # "Mary Souza"; in a shouted note a lowercase pair stands out ("STAFF mary souza").
        or (not r._weak(last.lower) and (w.cased or not t.caps or (w.is_lower and last.is_lower))
            and (last.lower in r.last_rank or (last.is_title and not t.caps)))
        # In lowercase text: "leone mazzi".
        or (t.lower and last.is_lower and r._unknown(last.lower) and not r._misspelt(last.lower)))


def _first_and_surname_with_case_evidence(r: NameRecognizer, s: _Site) -> bool:
    return _first_and_surname(r, s) and s.last is not None and (
        s.w.cased or s.last.lower in r.last_rank or s.t.lower)


def _unfamiliar_pair(r: NameRecognizer, s: _Site) -> bool:
    return not s.t.caps and s.w.is_title and s.last is not None and r._unfamiliar_pair(s.t, s.w, s.last)


def _does_what_people_do(r: NameRecognizer, s: _Site) -> bool:
    t, w, low, nxt, nxt2 = s.t, s.w, s.low, s.nxt, s.nxt2
    return not t.caps and (w.is_title or (t.lower and r._sentence_start(t, w))) and nxt is not None and (
        nxt.lower in PERSON_ACTS or (nxt.lower in ("is", "was") and nxt2 is not None and nxt2.lower == "from")
        or (nxt.lower in ("began", "started") and nxt2 is not None and nxt2.lower in PASTIMES)) and (
        (r._unknown(low) and not r._misspelt(low) and not _thing_like(low))
        or (r._listed(low) and not r._weak(low) and not _thing_like(low)))


def _quoted_speaker(r: NameRecognizer, s: _Site) -> bool:
    return r._quoted_speaker(s.t, s.w, s.said, s.nxt)


def _greeted(r: NameRecognizer, s: _Site) -> bool:
    return s.said[-1:] in GREETINGS and s.nxt is not None and s.nxt.text in (",", "!") and s.w.is_title \
        and r._unknown(s.low) and not _thing_like(s.low)


def _author_of_a_work(r: NameRecognizer, s: _Site) -> bool:
    low = s.low
    return s.said[-1:] == ("the",) and s.nxt is not None and s.nxt.lower in WORKS and s.w.is_title and (
        (r._unknown(low) and not r._misspelt(low)) or (r._listed(low) and not r._weak(low))) \
        and not _thing_like(low)


def _addressed(r: NameRecognizer, s: _Site) -> bool:
    w, low = s.w, s.low
    return not s.t.caps and w.is_title and s.nxt is not None and s.nxt.text == "," and (
        w.i == 0 or w.newline_before) and (
        (low in r.first_freq and not r._weak(low))
        or (r._unknown(low) and not r._misspelt(low) and not _thing_like(low)
            and low.isalpha()))  # not "C'mon, sing it with me"


def _no_first_name(r: NameRecognizer, s: _Site) -> bool:
    return s.t.caps or s.low not in r.first_freq or r._weak(s.low)


def _capitalised_mid_sentence(r: NameRecognizer, s: _Site) -> bool:
    return s.w.is_title and not r._sentence_start(s.t, s.w)


def _capitalised_before_lowercase(r: NameRecognizer, s: _Site) -> bool:
    nxt = s.nxt
    return s.w.is_title and len(s.low) > 2 and nxt is not None and nxt.is_lower and nxt.text.isalpha()


def _lowercase_before_an_action(r: NameRecognizer, s: _Site) -> bool:
    return s.w.is_lower and s.nxt is not None and s.nxt.lower in ACTIONS_AFTER


# How much one word looks like a name, from its own form and the words around it: the
# first rule that applies gives the score, and a 0.0 rule ends the search (no name).
# Order matters: cues before list membership, vetoes before the rules they guard.
NAME_RULES: tuple[NameRule, ...] = (
    NameRule("initial before a listed name", lambda r, s: r._initial_name(s.t, s.w), 0.75),  # "E. Welsh"
    NameRule("Irish O after a title", lambda r, s: r._irish_o(s.t, s.w), 0.85),  # "Dr. o rourke"
    NameRule("not a name-like word", _not_namelike, 0.0),  # digits, punctuation, "wife", "Dr"
    NameRule("after a title", _after_title, 0.85),  # "Dr. Chen", "dr vasquez"
    NameRule("after a relation word", _after_relation, 0.8),  # "wife Helen", "SON ROB"
    NameRule("clinical shorthand", lambda r, s: s.low in NOT_NAMES, 0.0),  # "LUE", "meds"
    NameRule("introduced", _introduced, 0.75),  # "I'm Quarto Angelo", "my name is vitoria"
    NameRule("after a weak introduction", _weakly_introduced, 0.75),  # "talked with helen"
    NameRule("done by", _done_by, 0.75),  # "seen by Okafor", "signed by Wierzbicki"
    NameRule("named", _named, 0.8),  # "name is Maria", "Name: Åsa"
    NameRule("surname, first name", _surname_comma_first, 0.7),  # "Kowalczyk, Anna", "SMITH, JOHN"
    NameRule("before a credential", _before_credential, 0.75),  # "Carole Hayes, RN"
    NameRule("no name before a credential", lambda r, s: s.credential is not None, 0.0),
    NameRule("relation after", _relation_after, 0.75),  # "Hank Przybylo (son)", "Maria, his daughter"
    NameRule("after a role", _after_role, 0.75),  # "HO Domenico", "NP Okafor aware", "per md Saeed"
    NameRule("role before, told after", _role_before_told_after, 0.75),  # "NP grace made aware"
    NameRule("shouted, told", lambda r, s: s.t.caps and r._shouted_told(s.t, s.w), 0.7),  # "BEA TURA AWARE"
    NameRule("told after", _told_after, 0.7),  # "Okafor aware of K 5.9"; not "Renal aware"
    NameRule("the X family", _family, 0.7),  # "the Romero family", "KEEP ROMERO FAMILY AWARE"
    NameRule("first name and surname", _first_and_surname_with_case_evidence, 0.7),  # "Mary Souza"
    NameRule("first name and surname, no case evidence", _first_and_surname, 0.0),
    NameRule("unfamiliar pair", _unfamiliar_pair, 0.65),  # "Satu Elomo", "Cormac Allan"
    NameRule("does what people do", _does_what_people_do, 0.6),  # "Luiza is from", "Mourik began writing"
    NameRule("quoted speaker", _quoted_speaker, 0.6),  # '"...," says Hartvigsson.'
    NameRule("greeted", _greeted, 0.7),  # "Hi Vinicio, I'm contacting you"
    NameRule("author of a work", _author_of_a_work, 0.6),  # "the Dratchev novel"
    NameRule("addressed at a line start", _addressed, 0.6),  # "Aloisia, can you call me"
    NameRule("no plain first name", _no_first_name, 0.0),  # shouted, unlisted or ordinary English
    NameRule("capitalised first name mid-sentence", _capitalised_mid_sentence, 0.6),
    NameRule("capitalised first name before a lowercase word", _capitalised_before_lowercase, 0.55),
    NameRule("lowercase first name before an action", _lowercase_before_an_action, 0.6),  # "mary called"
)


# Endings of drug, device and dressing names that spaCy's small model tags as people
# ("Lobetalol", "Permacath", "Tegaderm", "Aggrestat").
THING_ENDINGS = ("olol", "pril", "sartan", "dipine", "azole", "cillin", "mycin", "cycline",
                 "oxacin", "statin", "parin", "prazole", "triptan", "zepam", "cath", "derm",
                 "foam", "stat", "plex", "sone", "lone", "done", "idine", "amine", "azine")


def _thing_like(low: str) -> bool:
    """Return True for a word on no list that reads as a product or shorthand, not a name:
    a drug-like ending, or no vowel at all ("Sxnd")."""
    return low.endswith(THING_ENDINGS) or not any(c in "aeiouyáéíóúåäöæøàèìòùâêîôûãõ" for c in low)
