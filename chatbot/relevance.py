"""The relevance gate: does a retrieved passage answer the question? Plain Python.

Retrieval always returns its nearest passages, even when none of them answers the
question, and the grounding rail only checks that an answer is supported by its
passages. This gate comes between the two: every answer, extractive or
model-written, is built only from passages it accepts, and when it accepts none
the patient gets the honest "I don't have vetted information on that".

The model is a logistic regression over cheap features of a (question, passage)
pair (``FEATURES``): MiniLM similarities (retrieval score, question to section
heading, to title, to the passage's sentences), IDF-weighted word overlap (how much
of the question the passage and its heading contain, the rarest question word the
passage lacks, words the knowledge base has never seen), question-type cues ("how
often" wants an interval, "side effects" wants side effects, a child's question
wants a child's section), the question bank (how close the question is to what
other patients asked of the passage's article: ``QuestionBank``) and the article
classifier (how likely the question is one the passage's article answers, among all
the articles: ``ArticleClassifier``, a softmax fitted on the bank). Why not a cross-encoder: one fine-tuned from MiniLM took ~120 ms per
question on CPU and judged worse on held-out articles; this runs in well under a
millisecond after one small embedding batch.

``python -m chatbot.knowledge.train_relevance`` builds ``chatbot/data/relevance.json``
(weights, IDF table, threshold, and the sha256 of the data it was trained on; a test
checks the hash, so any article or question edit means re-training) and
``chatbot/data/article_classifier.npz``.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

import numpy as np

from chatbot import chunking
from guardrails import embeddings, gloss
from guardrails.base import Passage

MODEL_FILE = Path(__file__).resolve().parent / "data" / "relevance.json"
ARTICLES_FILE = Path(__file__).resolve().parent / "data" / "article_classifier.npz"
KNOWLEDGE = Path(__file__).resolve().parent / "knowledge"
# The question bank: patient-register questions, each naming the starter article that
# answers it (written for the gate, ``questions/kb*``, and for the section ranker,
# ``sections/sq*``: sixteen writers; ``sections/sqt_*`` are the spent frozen answers
# sets, ``spent_questions.SPENT``; ``questions/kbw_*`` the training sets written from
# their brief, ``spent_questions.WRITTEN``, which the section ranker does not read). The
# gate's training reads the same files.
BANK_FILES = sorted((KNOWLEDGE / "questions").glob("kb*.jsonl")) + sorted(
    (KNOWLEDGE / "sections").glob("sq*.jsonl")
)
STARTER = KNOWLEDGE / "starter"

FEATURES = (
    "retrieval_score",
    "score_below_best",
    "heading_similarity",
    "title_similarity",
    "idf_recall",
    "idf_recall_heading",
    "rarest_missing",
    "unknown_words",
    "cue_match",
    "cue_missing_in_heading",
    "best_sentence_similarity",
    "first_sentence_similarity",
    "second_best_passage_gap",
    "bank_similarity",
    "bank_below_best",
    "article_probability",
    "article_log_probability",
)
# The floor under ``article_log_probability``: the log of a probability near 0 says
# "not this article" without growing without bound.
ARTICLE_FLOOR = 1e-4

_WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset(
    """a about after all also am an and any are as at be been before being but by can could did do does
    doing done for from get gets getting go going got had has have having he her him his how i if im in
    into is it its ive just know let like me might more most much my need needs no not now of off ok okay
    on once one only or other our out over really she should so some still such take tell than that the
    their them then there these they thing things this those to too up us use used very want was way we
    were what whats when where which while who why will with would yes you your""".split()
)

# Question-type cues: a question that asks "how often" is answered by a passage that
# gives an interval, not by one that defines the condition.
CUES: dict[str, re.Pattern[str]] = {
    "interval": re.compile(
        r"\b(how often|how long|every|interval|schedule|when should|what age|at what age)\b"
    ),
    "side_effects": re.compile(r"\b(side effects?|adverse|reactions?)\b"),
    "dose": re.compile(r"\b(how much|how many|dose|doses|dosage|mg|milligrams?)\b"),
    "urgent": re.compile(
        r"\b(911|emergency|er|urgent care|get help|call the doctor|call your|see a doctor)\b"
    ),
    "cause": re.compile(r"\b(why|cause|causes|caused)\b"),
    "treatment": re.compile(
        r"\b(treat|treated|treatment|cure|get rid|relieve|help with|medicines?|medication)\b"
    ),
    "prevent": re.compile(r"\b(prevent|prevention|avoid|lower|reduce)\b"),
    "symptoms": re.compile(r"\b(symptoms?|signs?)\b"),
    "pregnancy": re.compile(r"\b(pregnan\w*|breastfe\w*|nursing)\b"),
    "child": re.compile(
        r"\b(child|children|kids?|baby|babies|toddlers?|infants?|teens?|teenagers?|son|daughter|newborn)\b"
    ),
    "food": re.compile(r"\b(eat|eating|food|foods|diet|drink)\b"),
}


def words(text: str) -> list[str]:
    """Lower-cased content words, lightly stemmed (plurals and -ing/-ed folded)."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def cues(text: str) -> frozenset[str]:
    lowered = text.lower()
    return frozenset(name for name, pattern in CUES.items() if pattern.search(lowered))


def sections_of(passage: Passage) -> list[tuple[str, list[str]]]:
    """``(heading, units)`` for each section a passage holds, in order: a passage is one
    or more chunks (and a chunk may hold a short section before its own), each opening
    with its heading. Units are ``chunking.units``: sentences, and lists with their lead-in."""
    sections = []
    for part in passage.text.split("\n\n"):
        heading, body = chunking.split_heading(part.strip())
        units = [u for u in chunking.units(body) if len(u.split()) >= 3 and not u.endswith("?")]
        if units:
            sections.append((heading, units))
    return sections


def sentences_of(passage: Passage) -> list[str]:
    """Every answer unit the passage holds, in order."""
    return [u for _, units in sections_of(passage) for u in units]


def heading_of(passage: Passage) -> str:
    """The passage's section heading (its first line when that is one), else ""."""
    first, _, rest = passage.text.partition("\n")
    first = first.strip()
    return first if rest and first.endswith(("?", ":")) and len(first.split()) <= 20 else ""


# How many chunks of one document a passage may hold: a question's answer often sits
# in the section next to the one that matched best (the BE FAST list beside "Other
# sudden signs"), and the gate and the answer can only use what the passage holds.
CHUNKS_PER_PASSAGE = 2


@dataclass(frozen=True)
class Found:
    """One retrieved chunk. ``order`` is its position in its document."""

    title: str
    url: str
    text: str
    score: float
    order: int


def passages_from(found: Sequence[Found], *, top_k: int, proposed: Sequence[Found] = ()) -> list[Passage]:
    """Retrieval hits (best first) as numbered passages: the ``top_k`` documents in the
    order of their best hit, each with up to CHUNKS_PER_PASSAGE of its hits joined in
    document order; the passage's score is its best hit's. ``proposed``: the best chunks
    of the article the article classifier proposes (``proposed_article``), best first;
    when retrieval did not find that article, it is one more passage, the last."""
    documents: dict[str, list[Found]] = {}
    for hit in found:
        if hit.title not in documents and len(documents) == top_k:
            continue
        kept = documents.setdefault(hit.title, [])
        if len(kept) < CHUNKS_PER_PASSAGE:
            kept.append(hit)
    if proposed and proposed[0].title not in documents:
        documents[proposed[0].title] = list(proposed[:CHUNKS_PER_PASSAGE])
    passages = []
    for number, hits in enumerate(documents.values(), start=1):
        ordered = sorted(hits, key=lambda h: h.order)
        text = "\n\n".join(h.text for h in ordered)
        passages.append(Passage(number, hits[0].title, text, hits[0].url, hits[0].score))
    return passages


@dataclass(frozen=True)
class RelevanceModel:
    """A fitted gate. ``probabilities`` scores passages; ``threshold`` decides."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    idf: dict[str, float]
    threshold: float
    data_sha256: str

    @property
    def unknown_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def features(
        self,
        question: str,
        passages: Sequence[Passage],
        embed: Callable[[list[str]], np.ndarray],
        q_vec: np.ndarray | None = None,
        bank_sims: Sequence[float] | None = None,
        article_probs: Sequence[float] | None = None,
    ) -> np.ndarray:
        """An (n, len(FEATURES)) matrix, one row per passage. ``embed`` encodes the
        passage side; ``q_vec`` is the question's vector (encoded with ``embed`` when
        not given); ``bank_sims`` is, per passage, the question's similarity to the
        closest bank question its article answers (``QuestionBank.similarities``; 0 for
        none, and all 0 when not given); ``article_probs`` the probability that the
        question is one its article answers (``ArticleClassifier.probabilities``; 0 for
        an article it does not know, and all 0 when not given)."""
        if not passages:
            return np.zeros((0, len(FEATURES)), dtype=np.float32)
        headings = [heading_of(p) or p.title for p in passages]
        bodies = [sentences_of(p) for p in passages]
        texts = list(
            dict.fromkeys([*headings, *(p.title for p in passages), *(s for b in bodies for s in b)])
        )
        if q_vec is None:
            q_vec = embed([question])[0]
        vectors = embed(texts)
        position = {t: i for i, t in enumerate(texts)}
        sims = vectors @ q_vec
        q_words = list(dict.fromkeys(words(question)))
        q_weights = np.array([self.idf.get(w, self.unknown_idf) for w in q_words], dtype=np.float32)
        total = float(q_weights.sum()) or 1.0
        q_cues = cues(question)
        best = max(p.score for p in passages)
        ranked = sorted((p.score for p in passages), reverse=True)
        gap = ranked[0] - ranked[1] if len(ranked) > 1 else ranked[0]
        bank = [float(b) for b in bank_sims] if bank_sims is not None else [0.0] * len(passages)
        best_bank = max(bank)
        article = [float(a) for a in article_probs] if article_probs is not None else [0.0] * len(passages)
        rows = []
        for passage, heading, body_sentences, bank_sim, article_prob in zip(
            passages, headings, bodies, bank, article, strict=True
        ):
            sentence_sims = [float(sims[position[s]]) for s in body_sentences] or [0.0]
            body = set(words(f"{passage.title} {passage.text}"))
            head = set(words(f"{passage.title} {heading}"))
            present = np.array([w in body for w in q_words], dtype=bool)
            in_head = np.array([w in head for w in q_words], dtype=bool)
            missing = q_weights[~present] if q_words else np.zeros(0, dtype=np.float32)
            p_cues = cues(f"{heading} {passage.text}")
            h_cues = cues(f"{passage.title} {heading}")
            rows.append(
                [
                    passage.score,
                    best - passage.score,
                    float(sims[position[heading]]),
                    float(sims[position[passage.title]]),
                    float(q_weights[present].sum()) / total if q_words else 0.0,
                    float(q_weights[in_head].sum()) / total if q_words else 0.0,
                    float(missing.max()) / self.unknown_idf if missing.size else 0.0,
                    sum(w not in self.idf for w in q_words) / len(q_words) if q_words else 1.0,
                    len(q_cues & p_cues) / len(q_cues) if q_cues else 1.0,
                    float(bool(q_cues) and not q_cues & h_cues),
                    max(sentence_sims),
                    sentence_sims[0],
                    gap if passage.score == best else 0.0,
                    bank_sim,
                    best_bank - bank_sim,
                    article_prob,
                    math.log(article_prob + ARTICLE_FLOOR),
                ]
            )
        return np.array(rows, dtype=np.float32)

    def probabilities_from(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def probabilities(
        self,
        question: str,
        passages: Sequence[Passage],
        embed: Callable[[list[str]], np.ndarray],
        q_vec: np.ndarray | None = None,
        bank_sims: Sequence[float] | None = None,
        article_probs: Sequence[float] | None = None,
    ) -> np.ndarray:
        """The probability that each passage answers ``question`` (same order)."""
        return self.probabilities_from(self.features(question, passages, embed, q_vec, bank_sims, article_probs))

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
            "threshold": round(self.threshold, 4),
            "data_sha256": self.data_sha256,
            "idf": {w: round(v, 4) for w, v in sorted(self.idf.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RelevanceModel:
        """Raises ValueError when the file was built for other features."""
        if data.get("features") != list(FEATURES):
            raise ValueError("relevance model was trained on other features; re-train it")
        return cls(
            weights=np.asarray(data["weights"], dtype=np.float32),
            bias=float(data["bias"]),  # type: ignore[arg-type]
            mean=np.asarray(data["mean"], dtype=np.float32),
            scale=np.asarray(data["scale"], dtype=np.float32),
            idf={str(k): float(v) for k, v in dict(data["idf"]).items()},  # type: ignore[call-overload]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            data_sha256=str(data["data_sha256"]),
        )


class KeyedQuestions:
    """Patient questions, each under a key (what answers it), with their vectors: the
    closest question under a key is the feature a bank gives. Thread-safe: the matrix is
    built once per encoder."""

    def __init__(self, keys: Sequence[Hashable], texts: Sequence[str]) -> None:
        self.texts = tuple(texts)
        rows: dict[Hashable, list[int]] = {}
        for i, key in enumerate(keys):
            rows.setdefault(key, []).append(i)
        self._rows = {key: np.array(r) for key, r in rows.items()}
        # Keyed by the encoder itself (a reference, so a later encoder never reuses a
        # freed one's key); a process has one, ``passage_embedder()``.
        self._matrices: dict[Callable[[list[str]], np.ndarray], np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.texts)

    def matrix(self, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """The questions' vectors, encoded with ``embed`` on first use."""
        with self._lock:  # held while encoding: a second caller waits, never encodes again
            found = self._matrices.get(embed)
            if found is None:
                found = embed(list(self.texts)) if self.texts else np.zeros((0, 384), np.float32)
                self._matrices[embed] = found
        return found

    def closest(
        self, q_vec: np.ndarray, keys: Sequence[Hashable], embed: Callable[[list[str]], np.ndarray]
    ) -> list[float]:
        """Per key, the cosine of ``q_vec`` to the closest question under it, or 0.0
        (nothing is encoded when no key has a question)."""
        wanted = [self._rows.get(key) for key in keys]
        if not any(r is not None for r in wanted):
            return [0.0] * len(keys)
        sims = self.matrix(embed) @ q_vec
        return [float(sims[r].max()) if r is not None else 0.0 for r in wanted]


class QuestionBank(KeyedQuestions):
    """Questions patients ask, each with the title of the article that answers it.

    Patients ask the same things in many words, and a question close to one that
    other people asked of an article is evidence that the article answers it: the
    gate reads the closest such question as a feature (``bank_similarity``). An
    article with no bank questions (a clinic's own, or a starter article renamed)
    scores 0 there, which makes the gate more cautious, never less. The matrix is
    built once per encoder (~18 s of one core for the ~6,500 starter questions:
    ``warm_up`` does it at process start)."""

    def __init__(self, questions: Sequence[tuple[str, str]]) -> None:
        """``questions``: ``(article title, question)`` pairs."""
        self.titles = tuple(t for t, _ in questions)
        super().__init__(self.titles, [q for _, q in questions])

    def similarities(
        self, q_vec: np.ndarray, passages: Sequence[Passage], embed: Callable[[list[str]], np.ndarray]
    ) -> list[float]:
        """Per passage, the cosine of ``q_vec`` to the closest bank question its article
        answers, or 0.0."""
        return self.closest(q_vec, [p.title for p in passages], embed)


@dataclass(frozen=True)
class ArticleClassifier:
    """Which starter article a question is one of: a softmax over the articles'
    titles, fitted on the question bank (multinomial logistic regression on MiniLM
    vectors; ``train_relevance`` writes it beside the gate).

    The bank's nearest question (``bank_similarity``) says a question is close to one
    other patients asked of an article; this says how much more it is the question of
    this article than of any other, which is what the gate lacked when the right
    article was not retrieved and a sibling was: "how long does the covid vaccine
    protect" is near bank questions of both vaccine articles, and the classifier
    puts it on one. An article it does not know (a clinic's own) scores 0, which
    makes the gate more cautious, never less."""

    titles: tuple[str, ...]
    weights: np.ndarray  # (articles, 384)
    bias: np.ndarray  # (articles,)
    data_sha256: str

    def distribution(self, q_vec: np.ndarray) -> np.ndarray:
        z = self.weights @ q_vec + self.bias
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum())

    @cached_property
    def _index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.titles)}

    def probabilities(self, q_vec: np.ndarray, passages: Sequence[Passage]) -> list[float]:
        """Per passage, the probability that the question is one its article answers."""
        p = self.distribution(q_vec)
        return [float(p[self._index[x.title]]) if x.title in self._index else 0.0 for x in passages]

    def save(self, path: Path) -> None:
        np.savez(
            path,
            titles=np.array(self.titles),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            data_sha256=np.array(self.data_sha256),
        )

    @classmethod
    def read(cls, path: Path) -> ArticleClassifier:
        with np.load(path, allow_pickle=False) as stored:
            return cls(
                titles=tuple(str(t) for t in stored["titles"]),
                weights=np.asarray(stored["weights"], dtype=np.float32),
                bias=np.asarray(stored["bias"], dtype=np.float32),
                data_sha256=str(stored["data_sha256"]),
            )


def proposed_article(q_vec: np.ndarray) -> str:
    """The title of the article the article classifier finds most likely to answer a
    question (its vector ``q_vec``, as ``question_vector`` gives it). Retrieval reads
    chunks one at a time and can miss an article whose words differ from the question's
    ("I think my toddler swallowed a button battery" did not retrieve the poison-control
    article); the classifier learned the articles from thousands of patients' questions.
    The gate still judges the passage as it judges the others."""
    classifier = load_articles()
    return classifier.titles[int(np.argmax(classifier.distribution(q_vec)))]


@cache
def load_articles(path: Path = ARTICLES_FILE) -> ArticleClassifier:
    """The committed article classifier. Raises OSError when it is missing."""
    return ArticleClassifier.read(path)


@cache
def load_bank() -> QuestionBank:
    """The committed bank: every question of ``BANK_FILES`` whose article is a starter
    article, under that article's title, read as ``load_knowledge`` reads it."""
    # Imported here: the starter reader comes with the knowledge services (Django
    # models), and the bank is only loaded where the pipeline runs.
    from chatbot.knowledge.sources import markdown_documents

    titles = {d.slug: d.title for d in markdown_documents(STARTER)}
    pairs = []
    for path in BANK_FILES:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                if row["slug"] in titles:
                    pairs.append((titles[row["slug"]], english_question(row["question"])))
    return QuestionBank(pairs)


def idf_table(documents: Sequence[str]) -> dict[str, float]:
    """Smoothed inverse document frequency of each content word over ``documents``."""
    counts: dict[str, int] = {}
    for text in documents:
        for word in set(words(text)):
            counts[word] = counts.get(word, 0) + 1
    n = len(documents)
    return {w: math.log((n + 1) / (c + 0.5)) for w, c in counts.items()}


class PassageEmbedder:
    """``embed`` with memory for the passage side. The knowledge base changes rarely,
    so after the first questions its headings, titles and sentences are all known and
    only the question is encoded (~5 ms instead of ~40 ms for a batch of sentences).
    Bounded (least recently used out), and safe across threads."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], size: int = 50_000) -> None:
        self._embed = embed
        self._size = size
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        fresh = dict(zip(missing, self._embed(missing), strict=True)) if missing else {}
        with self._lock:
            self._memo.update(fresh)
            out = []
            for text in texts:
                vector = fresh.get(text)
                if vector is None:
                    vector = self._memo[text]
                    self._memo.move_to_end(text)
                out.append(vector)
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 384), dtype=np.float32)


@cache
def load(path: Path = MODEL_FILE) -> RelevanceModel:
    """The committed gate. Raises OSError or ValueError when it is missing or stale."""
    return RelevanceModel.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Judgement:
    """Which passages answer the question, best first, with the probabilities."""

    accepted: tuple[Passage, ...]
    probabilities: tuple[float, ...]  # of every passage judged, in the order given

    @property
    def answers(self) -> bool:
        return bool(self.accepted)


def judge(
    question: str,
    passages: Sequence[Passage],
    embed: Callable[[list[str]], np.ndarray],
    q_vec: np.ndarray,
    model: RelevanceModel | None = None,
    bank: QuestionBank | None = None,
    articles: ArticleClassifier | None = None,
) -> Judgement:
    """The passages that answer ``question``, best first; none when the gate says no.

    ``embed`` encodes passage text (a ``PassageEmbedder``), ``q_vec`` is the question's
    vector, ``bank`` the question bank and ``articles`` the article classifier (none:
    their features are 0). Raises whatever the model files, the bank or the embedder
    raise: the caller fails closed.
    """
    model = model or load()
    if not passages or not words(question):
        return Judgement((), ())
    bank_sims = bank.similarities(q_vec, passages, embed) if bank is not None else None
    article_probs = articles.probabilities(q_vec, passages) if articles is not None else None
    probs = model.probabilities(question, passages, embed, q_vec, bank_sims, article_probs)
    order = np.argsort(-probs, kind="stable")
    accepted = tuple(passages[i] for i in order if probs[i] >= model.threshold)
    return Judgement(accepted, tuple(float(p) for p in probs))


@lru_cache(maxsize=32)
def question_vector(text: str) -> np.ndarray:
    """The MiniLM vector of a (de-identified) question, kept for the few steps of one
    message that need it: retrieval, the gate and the extractive answer encode it once."""
    vector = embeddings.embed([text])[0]
    vector.setflags(write=False)
    return vector


@cache
def passage_embedder() -> PassageEmbedder:
    """The process's passage-side encoder. Looks ``embed`` up at each call, so tests
    that replace it are honoured."""
    return PassageEmbedder(lambda texts: embeddings.embed(texts))


def plain_question(text: str) -> str:
    """A de-identified message without its surrogates: "[NAME_1]" stands for a detail
    the patient gave and says nothing about what they ask, but read as words it
    counts as a subject no passage names, and the gate declined "hi its [NAME_1],
    what are the side effects of metformin"."""
    # Imported here: importing ``deidentify`` loads Presidio, spaCy and torch, which the
    # web processes (they import this module through the tasks) never need.
    from deidentify.pseudonymize import SURROGATE_RE

    return " ".join(SURROGATE_RE.sub(" ", text).split())


def english_question(text: str) -> str:
    """``plain_question`` as the English article path reads it (retrieval, the gate,
    the extractive answer): a Spanish question through the glossary (``guardrails.gloss``)."""
    return gloss.english_reading(plain_question(text))


def gate(question: str, passages: Sequence[Passage]) -> Judgement:
    """``judge`` with the committed model and this process's encoders, on the
    question without its surrogates, read in English (``english_question``)."""
    plain = english_question(question)
    return judge(
        plain, passages, passage_embedder(), question_vector(plain), bank=load_bank(), articles=load_articles()
    )


def warm_up() -> None:
    """Encode the question bank now, not on a patient's first question (~5,000 short
    texts)."""
    load_bank().matrix(passage_embedder())
    load_articles()
    gloss.glossary()
