"""The learned layer of the router: what earlier matters say about a new one.

The document engine (`routing.engine`) knows what each unit's source document says; it cannot know
how citizens word their letters. This module learns that from routing records, the dispatch log:

- across offices, text -> subject, from the project's starter log (everyday matters written for each
  subject, shipped in `fixtures/starter_log/`) and from records that name a subject or whose unit
  holds a single subject; a subject then reaches each office's units through their portfolios, so
  history in one office helps every office through the shared taxonomy;
- per office, text -> unit, from that office's records.

Both are linear models over character n-grams (scikit-learn), the known strong baseline for short
Chinese text, and they add evidence to the document engine's rather than replace it. Pure Python
and scikit-learn; no Django.
"""
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import yaml

from routing import arrays, engine

FORMAT = 3  # bumped whenever a stored model of an earlier shape can no longer be used
NO_UNIT = ""  # the label of "no unit handles this" (and of chit-chat in the starter log)
MIN_OFFICE_RECORDS = 20  # fewer records than this teach an office's own model nothing reliable
RECORDS_HALF_WEIGHT = 50  # records at which an office's own model weighs as much as the zero-shot evidence
EXAMPLES_PER_UNIT = 40  # earlier matters kept per unit to quote in explanations
TEMPERATURE = 15.0  # turns the classifiers' margins into probabilities (softmax of margin x temperature)
SUBJECT_NGRAMS, RECORD_NGRAMS = (1, 3), (1, 2)  # character n-grams: single characters to tri- or bigrams
SUBJECT_C, OFFICE_C = 0.5, 1.0  # the SVMs' regularisation (measured: docs/performance.md)
PRUNE_BELOW = 1e-3  # classifier weights smaller than this change no answer and are dropped
MAX_TEXT_CHARS = 2000

_SPACE_RE = re.compile(r"\s+")


def normalize_text(text):
    """NFKC (full-width to half-width), lower case, single spaces, at most MAX_TEXT_CHARS characters."""
    return _SPACE_RE.sub(" ", unicodedata.normalize("NFKC", text or "")[:MAX_TEXT_CHARS].lower()).strip()


def read_starter_log(directory):
    """The starter log's (text, subject slug or None) pairs, from every YAML file in `directory`.

    A file is a list of `{subject: slug|null, zh: [...], en: [...]}`; `null` marks matters that are not
    government business (chit-chat), which teach the router to abstain.
    """
    pairs = []
    for path in sorted(Path(directory).glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            entries = yaml.safe_load(handle) or []
        for entry in entries:
            for text in [*(entry.get("zh") or []), *(entry.get("en") or [])]:
                pairs.append((str(text), entry.get("subject") or None))
    return pairs


@dataclass
class Examples:
    """Earlier matters kept to explain a learned suggestion ("like 37 earlier matters, e.g. '…'")."""

    texts: list
    matrix: object  # one sparse row per text

    def nearest(self, vector):
        """(similarity, text) of the example closest to `vector` (a dense row), or (0.0, None)."""
        if not self.texts:
            return 0.0, None
        similarities = self.matrix @ vector
        best = int(similarities.argmax())
        return float(similarities[best]), self.texts[best]


@dataclass
class Linear:
    """A trained linear classifier, kept as a sparse weight matrix: a fraction of scikit-learn's dense one."""

    classes: list
    weights: object  # features x classes, sparse
    intercept: object

    @classmethod
    def fit(cls, matrix, labels, regularisation):
        """A linear SVM over the labels, or None when there is nothing to tell apart."""
        if len(set(labels)) < 2:
            return None
        from sklearn.svm import LinearSVC  # training only: a server never imports scikit-learn

        model = LinearSVC(C=regularisation, random_state=0)  # equal inputs, equal model
        model.fit(matrix, labels)
        coef = model.coef_.astype(np.float32)
        coef[np.abs(coef) < PRUNE_BELOW] = 0.0
        return cls(list(model.classes_), sp.csr_matrix(coef.T), model.intercept_.astype(np.float32))

    def probabilities(self, vector):
        """Softmax of the margins: a distribution over the classes for one row."""
        margins = (vector @ self.weights).toarray().ravel() + self.intercept
        if len(self.classes) == 2:  # a binary model has one margin, for the second class
            margins = np.array([-margins[0], margins[0]])
        scaled = np.exp((margins - margins.max()) * TEMPERATURE)
        scaled /= scaled.sum()
        return dict(zip(self.classes, scaled.tolist(), strict=True))


@dataclass
class LearnedModel:
    """Everything the learned layer knows, ready to pickle: the vectorizers, the models, the examples.

    Subjects are read with character n-grams up to trigrams, and office records with n-grams up to
    bigrams: each measured best at its task (docs/performance.md).
    """

    vectorizer: "CharNgrams"  # for subjects
    subject_model: Linear | None  # over subject slugs and NO_UNIT
    subject_counts: dict  # subject slug -> training matters
    record_vectorizer: "CharNgrams | None"  # for office records; None before any record
    office_models: dict  # office slug -> Linear over unit slugs and NO_UNIT
    office_counts: dict  # office slug -> {unit slug or NO_UNIT: records}
    examples: dict  # (office slug or None, unit or subject slug) -> Examples
    records: int = 0
    last_record_id: int = 0
    recent: dict = field(default_factory=dict)  # office -> ([unit or NO_UNIT], [text], matrix): newer records
    format: int = FORMAT

    def record_vectors(self, texts):
        """Rows for office records: the records' own vectorizer, or the subjects' before there is one."""
        vectorizer = self.record_vectorizer or self.vectorizer
        return sp.vstack([vectorize(vectorizer, normalize_text(text)) for text in texts], format="csr")


_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass
class CharNgrams:
    """A fitted tf-idf vectorizer over character n-grams within words, as plain data.

    What scikit-learn's `TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)` does to a text once
    fitted, so that routing needs only numpy and scipy: importing scikit-learn costs a server process
    about 80 MB and a second and a half, and it is needed only to train.
    """

    ngrams: tuple  # (shortest, longest)
    vocabulary: dict  # n-gram -> column
    idf: object  # column -> inverse document frequency

    @classmethod
    def fitted(cls, vectorizer):
        return cls(tuple(vectorizer.ngram_range), dict(vectorizer.vocabulary_), vectorizer.idf_.copy())

    def analyze(self, text):
        """The n-grams of `text`, as scikit-learn's char_wb analyzer gives them (lower case, each word padded)."""
        shortest, longest = self.ngrams
        grams = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            word = f" {word} "
            for n in range(shortest, longest + 1):
                offset = 0
                grams.append(word[offset:offset + n])
                while offset + n < len(word):
                    offset += 1
                    grams.append(word[offset:offset + n])
                if offset == 0:  # a word shorter than n counts once
                    break
        return grams


def vectorize(vectorizer, text):
    """The tf-idf row of one normalised text (sublinear tf, idf, L2 norm), as scikit-learn's `transform`."""
    vocabulary = vectorizer.vocabulary
    counts = {}
    for gram, count in Counter(vectorizer.analyze(text)).items():
        column = vocabulary.get(gram)
        if column is not None:
            counts[column] = count
    columns = np.fromiter(counts, dtype=np.int32, count=len(counts))
    values = (1 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * vectorizer.idf[columns]
    norm = np.sqrt((values * values).sum())
    if norm:
        values /= norm
    order = np.argsort(columns)
    return sp.csr_matrix((values[order].astype(np.float32), columns[order], np.array([0, len(columns)])),
                         shape=(1, len(vocabulary)))


def _vectorizer(ngrams):
    from sklearn.feature_extraction.text import TfidfVectorizer  # training only

    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True, min_df=2, dtype=np.float32)


def _examples(texts, matrix, rows):
    rows = rows[:EXAMPLES_PER_UNIT]
    return Examples([texts[row] for row in rows], matrix[rows])


def train(records, starter, unit_subjects, last_record_id=0):
    """Train the learned layer.

    `records`: dicts with office, text, unit (slug or None) and subject (slug or None);
    `starter`: (text, subject or None) pairs; `unit_subjects`: {(office, unit): set of subject slugs held},
    so that a record whose unit holds a single subject also teaches that subject.
    """
    subject_texts = [normalize_text(text) for text, _ in starter]
    subject_labels = [subject or NO_UNIT for _, subject in starter]
    record_texts, office_rows = [], {}
    for record in records:
        text = normalize_text(record["text"])
        record_texts.append(text)
        unit = record.get("unit") or NO_UNIT
        office_rows.setdefault(record["office"], []).append((len(record_texts) - 1, unit))
        subject = record.get("subject")
        if not subject and unit:
            held = unit_subjects.get((record["office"], unit), ())
            subject = next(iter(held)) if len(held) == 1 else None
        if subject:
            subject_texts.append(text)
            subject_labels.append(subject)

    vectorizer = _vectorizer(SUBJECT_NGRAMS)
    matrix = vectorizer.fit_transform(subject_texts).tocsr()
    subject_model = Linear.fit(matrix, subject_labels, SUBJECT_C)
    by_label, subject_counts, examples = {}, {}, {}
    for row, label in enumerate(subject_labels):
        by_label.setdefault(label, []).append(row)
    for label, rows in by_label.items():
        subject_counts[label] = len(rows)
        examples[(None, label)] = _examples(subject_texts, matrix, rows)

    record_vectorizer, office_models, office_counts = None, {}, {}
    if len(record_texts) >= MIN_OFFICE_RECORDS:
        record_vectorizer = _vectorizer(RECORD_NGRAMS)
        record_matrix = record_vectorizer.fit_transform(record_texts).tocsr()
    elif record_texts:
        record_matrix = vectorizer.transform(record_texts).tocsr()
    for office, rows in office_rows.items():
        by_unit = {}
        for row, unit in reversed(rows):  # the latest records are the best examples
            by_unit.setdefault(unit, []).append(row)
        office_counts[office] = {unit: len(unit_rows) for unit, unit_rows in by_unit.items()}
        for unit, unit_rows in by_unit.items():
            examples[(office, unit)] = _examples(record_texts, record_matrix, unit_rows)
        if record_vectorizer is not None and len(rows) >= MIN_OFFICE_RECORDS:
            model = Linear.fit(record_matrix[[row for row, _ in rows]], [unit for _, unit in rows], OFFICE_C)
            if model is not None:
                office_models[office] = model
    return LearnedModel(
        vectorizer=CharNgrams.fitted(vectorizer), subject_model=subject_model, subject_counts=subject_counts,
        record_vectorizer=CharNgrams.fitted(record_vectorizer) if record_vectorizer is not None else None,
        office_models=office_models, office_counts=office_counts,
        examples=examples, records=len(records), last_record_id=last_record_id,
    )


def remember(model, records):
    """Records newer than the trained model, so that they count from the next request on.

    Returns a copy: the trained model itself stays as stored, and other threads may be reading it.
    """
    recent = dict(model.recent)
    by_office = {}
    for record in records:
        by_office.setdefault(record["office"], []).append(record)
    for office, rows in by_office.items():
        units, texts, matrix = recent.get(office, ([], [], None))
        added = model.record_vectors([record["text"] for record in rows])
        recent[office] = (
            units + [record.get("unit") or NO_UNIT for record in rows],
            texts + [record["text"] for record in rows],
            added if matrix is None else sp.vstack([matrix, added]).tocsr(),
        )
    return LearnedModel(**{**model.__dict__, "recent": recent})


@dataclass
class Learned:
    """The learned layer's view of one matter: its vectors and subject probabilities."""

    vector: object  # for subjects
    record_vector: object  # for office records
    subjects: dict  # subject slug or NO_UNIT -> probability
    _lookups: list = None
    _dense: dict = field(default_factory=dict)
    _nearest: dict = field(default_factory=dict)

    def nearest(self, examples, vector):
        """`examples.nearest` for one of this matter's vectors, once per matter: the offices in an answer
        often owe it to the same subject, whose examples they share."""
        key = (id(examples), id(vector))
        if key not in self._nearest:
            self._nearest[key] = examples.nearest(self.dense(vector))
        return self._nearest[key]

    def dense(self, vector):
        """`vector` (one of this matter's) as a dense row, for products with a few stored rows at a time."""
        if id(vector) not in self._dense:
            row = np.zeros(vector.shape[1], dtype=vector.dtype)
            row[vector.indices] = vector.data
            self._dense[id(vector)] = row
        return self._dense[id(vector)]

    def lookups(self, index):
        """`subject_lookups` of this matter, worked out once."""
        if self._lookups is None:
            self._lookups = subject_lookups(index, self.subjects)
        return self._lookups


def read(model, text):
    """What the learned layer makes of `text` (a vectorizer pass or two, one subject prediction)."""
    normal = normalize_text(text)
    vector = vectorize(model.vectorizer, normal)
    record_vector = vectorize(model.record_vectorizer, normal) if model.record_vectorizer is not None else vector
    if not vector.nnz or model.subject_model is None:
        return Learned(vector, record_vector, {NO_UNIT: 1.0} if not vector.nnz else {})
    return Learned(vector, record_vector, model.subject_model.probabilities(vector))


def office_probabilities(model, learned, office):
    """(unit slug or NO_UNIT -> probability from the office's own records, number of records)."""
    office_model = model.office_models.get(office)
    records = sum(model.office_counts.get(office, {}).values())
    if office_model is None or not learned.record_vector.nnz:
        return {}, records
    return office_model.probabilities(learned.record_vector), records


def records_weight(records):
    """How far an office's own records outweigh the zero-shot evidence: 0 with none, towards 1 with many."""
    if records < MIN_OFFICE_RECORDS:
        return 0.0
    return records / (records + RECORDS_HALF_WEIGHT)


def recent_matches(model, learned, office, threshold):
    """{unit or NO_UNIT: (similarity, text)} for records newer than the model that resemble the matter."""
    found = {}
    if office not in model.recent:
        return found
    units, texts, matrix = model.recent[office]
    similarities = (matrix @ learned.record_vector.T).toarray().ravel()
    for position in np.flatnonzero(similarities >= threshold):
        similarity, unit = float(similarities[position]), units[position]
        if similarity > found.get(unit, (0.0, None))[0]:
            found[unit] = (similarity, texts[position])
    return found


# Combining the learned evidence with the document engine's ---------------------------------

DOUBT_POWER = 2.0  # how steeply a sure document match discounts the learned subject's evidence
ABSTAIN_BELOW = 0.15  # combined scores under this name no unit
SHOWN_FROM = 0.05  # weaker candidates are noise, not alternatives
CHITCHAT_ABOVE = 0.5  # a matter the starter log reads as chit-chat with this probability names no unit
RECENT_MATCH = 0.6  # a new record this similar to the matter decides it


def subject_lookups(index, subjects):
    """[(subject slug, probability, ((slug held, factor), ...))] for the subjects worth looking up in
    any office: read once per matter rather than once per office."""
    lookups = []
    for slug, probability in subjects.items():
        if slug == NO_UNIT or probability < 0.01 or slug not in index.subjects:
            continue
        parent = index.subjects[slug].get("parent")
        children = ((child, engine.CHILD_SUBJECT_FACTOR) for child in index.children.get(slug, ()))
        related = ((slug, 1.0), (parent, engine.PARENT_SUBJECT_FACTOR), *children)
        lookups.append((slug, probability, tuple(item for item in related if item[0])))
    return lookups


def unit_subject(index, office, position, lookups):
    """`subject_unit_scores(...)[position]` for one unit alone: (score, subject slug, portfolio entry)."""
    units = index.units[office]
    unit, holders = units[position], index.subject_holders.get(office, {})
    studies = arrays.studies(unit)  # only a research unit needs to know whether others handle the subject
    score, best_slug, best_entry, best_gain = 0.0, None, None, 0.0
    for slug, probability, related_factors in lookups:
        factor, held = 0.0, None
        for related, related_factor in related_factors:
            if related in unit.subjects and related_factor > factor:
                factor, held = related_factor, related
        if held is None:
            continue
        handled = studies and any(arrays.handles(units[other])
                                  for related, _ in related_factors for other in holders.get(related, ()))
        factor = arrays.placed_factor(unit, factor, handled)
        gain = probability * factor
        if gain > best_gain:
            best_slug, best_entry, best_gain = slug, unit.subjects[held], gain
        score += gain
    return min(score, 1.0), best_slug, best_entry


def subject_unit_scores(index, office, subjects, lookups=None):
    """{unit position: (score, best subject slug, portfolio entry)} from subject probabilities.

    `lookups` is `subject_lookups(index, subjects)`, when the caller has it already.
    """
    holders = index.subject_holders.get(office, {})
    units = index.units.get(office, ())
    scores = {}
    for slug, probability, related_factors in subject_lookups(index, subjects) if lookups is None else lookups:
        held = {}
        for related, factor in related_factors:
            for position in holders.get(related, ()):
                if factor > held.get(position, (0.0, None))[0]:
                    held[position] = (factor, related)
        if not held:
            continue
        handled = any(arrays.handles(units[position]) for position in held)
        for position, (factor, related) in held.items():
            unit = units[position]
            gain = probability * arrays.placed_factor(unit, factor, handled)
            score, best_slug, best_entry, best_gain = scores.get(position, (0.0, None, None, 0.0))
            if gain > best_gain:
                best_slug, best_entry, best_gain = slug, unit.subjects[related], gain
            scores[position] = (score + gain, best_slug, best_entry, best_gain)
    return {position: (min(score, 1.0), slug, entry) for position, (score, slug, entry, _) in scores.items()}


def _combine(document, best_document, subject, records, weight):
    """One unit's score from the document engine's, the learned subject's and the office records'.

    The learned subject fills the doubt the document engine leaves: little when the documents
    name the matter outright, nearly everything when they say nothing about it.
    """
    zero_shot = document + (1 - best_document) ** DOUBT_POWER * subject
    return (1 - weight) * min(zero_shot, 1.0) + weight * records


def _precedent(learned, vector, examples, count, text_en, text_zh):
    """A reason quoting the earlier matter closest to this one (`vector`, one of `learned`'s)."""
    if examples is None:
        return None
    _, example = learned.nearest(examples, vector)
    if example is None:
        return None
    return engine.Reason(kind="precedent", text_en=text_en.format(count=count),
                         text_zh=text_zh.format(count=count), matched=(), quote=example)


@dataclass
class _OfficeScores:
    """One office's units ranked for a matter, before any is explained (explaining costs more than scoring)."""

    office: str
    scored: list  # [(score, unit position, unit slug, document score, subject score)], best first
    doc: dict  # unit slug -> engine Candidate
    subject: dict | None  # unit position -> (score, subject slug, portfolio entry); None until explained
    office_probs: dict
    weight: float
    recent: dict

    def best(self):
        """The score the office's first shown unit would carry, or None when no unit would be shown."""
        return min(self.scored[0][0], 1.0) if self.scored and self.scored[0][0] >= SHOWN_FROM else None


def _score_office(index, model, learned, prepared, office, document=None, subject_part=None):
    """(_OfficeScores, None); (None, transfer dict) when the function moved out; (None, None) to abstain.

    `document` and `subject_part`: the office's slices of `arrays.document_scores` and
    `arrays.subject_scores`, when the caller has them.
    """
    candidates, transfer, unheld = engine.score_office(index, prepared, office, document)
    if transfer is not None:  # the documents say the function has moved to another body
        return None, transfer
    if unheld:  # the matter names a subject this office does not hold: the honest answer is "no unit"
        return None, None
    units = index.units.get(office, ())
    positions = index.unit_positions[office]
    doc = {candidate.unit: candidate for candidate in candidates}
    if subject_part is None:
        subject = subject_unit_scores(index, office, learned.subjects, learned.lookups(index))
        subject_score = {position: score for position, (score, _, _) in subject.items()}
    else:  # which subject and portfolio entry each unit owes it to is worked out if the unit is shown
        subject, subject_score = None, dict(zip(np.flatnonzero(subject_part > 0).tolist(),
                                                subject_part[subject_part > 0].tolist(), strict=True))
    office_probs, records = office_probabilities(model, learned, office)
    weight = records_weight(records)
    recent = recent_matches(model, learned, office, RECENT_MATCH)
    no_unit = learned.subjects.get(NO_UNIT, 0.0)
    best_document = candidates[0].score if candidates else 0.0

    slugs = set(doc) | {units[position].slug for position in subject_score}
    slugs |= {slug for slug, p in office_probs.items() if slug in positions and p >= 0.05}
    slugs |= {slug for slug in recent if slug in positions}
    scored = []
    for slug in slugs:
        position = positions[slug]
        d = doc[slug].score if slug in doc else 0.0
        s = subject_score.get(position, 0.0)
        score = _combine(d, best_document, s, office_probs.get(slug, 0.0), weight)
        if slug in recent:
            score = max(score, recent[slug][0])
        scored.append((score, position, slug, d, s))
    scored.sort(key=lambda item: (-round(item[0], 9), item[1]))

    best = scored[0][0] if scored else 0.0
    recalled = max(recent.items(), key=lambda item: item[1][0], default=(None, (0.0, None)))[0]
    abstain = recalled == NO_UNIT or recalled is None and (
        best < ABSTAIN_BELOW
        or (no_unit >= CHITCHAT_ABOVE and best_document < engine.CONFIDENT_FROM and weight < 0.5)
        or weight * office_probs.get(NO_UNIT, 0.0) > best
    )
    if abstain:
        return None, None
    return _OfficeScores(office, scored, doc, subject, office_probs, weight, recent), None


def _explain_office(index, model, learned, prepared, scores, limit, explained=None):
    """The office's first `limit` shown units as engine Candidates, with their reasons (only the first
    `explained` of them, when given: the others would only set the first's tie)."""
    office, scored, doc, subject = scores.office, scores.scored, scores.doc, scores.subject
    office_probs, weight, recent = scores.office_probs, scores.weight, scores.recent
    units = index.units.get(office, ())
    results = []
    shown = [item for item in scored if item[0] >= SHOWN_FROM][:limit]
    if subject is None:  # read off the arrays: worked out for the units explained only
        subject = {position: unit_subject(index, office, position, learned.lookups(index))
                   for _, position, _, _, s in shown[:explained] if s >= 0.1}
    shown_scores = [min(item[0], 1.0) for item in shown]
    tied = len(shown) > 1 and shown_scores[0] - shown_scores[1] <= engine.TIE_WITHIN
    for score, position, slug, _, s in shown[:explained]:
        unit = units[position]
        reasons = engine.explain(index, prepared, doc[slug]) if slug in doc else []
        if s >= 0.1:
            _, subject_slug, entry = subject[position]
            if not any(reason.kind == "subject" and reason.subject == entry["slug"] for reason in reasons):
                held = index.subjects[entry["slug"]]
                reasons.append(engine.Reason(
                    kind="subject", subject=entry["slug"], text_en=held["name_en"], text_zh=held["name_zh"],
                    scope_en=entry.get("scope_en", ""), scope_zh=entry.get("scope_zh", ""),
                    quote=entry.get("quote", ""), matched=(),
                ))
            named = index.subjects[subject_slug]
            reason = _precedent(
                learned, learned.vector, model.examples.get((None, subject_slug)),
                model.subject_counts.get(subject_slug, 0),
                f"Reads like {{count}} earlier matters about {named['name_en'].lower()}, e.g.",
                f"与{{count}}件{named['name_zh']}方面的事项相似，例如",
            )
            if reason:
                reasons.append(reason)
        if weight and office_probs.get(slug, 0.0) >= 0.2:
            count = model.office_counts.get(office, {}).get(slug, 0)
            reason = _precedent(learned, learned.record_vector, model.examples.get((office, slug)), count,
                                "Like {count} earlier matters this office routed here, e.g.",
                                "与本办此前交由该单位办理的{count}件事项相似，例如")
            if reason:
                reasons.append(reason)
        if slug in recent:
            reasons.insert(0, engine.Reason(kind="precedent",
                                            text_en="Like a matter recorded since the last training:",
                                            text_zh="与最近登记的一件事项相似：", matched=(),
                                            quote=recent[slug][1]))
        results.append(engine.Candidate(office, unit.slug, unit.name_en, unit.name_zh, min(score, 1.0), reasons,
                                        tie=tied and shown_scores[0] - min(score, 1.0) <= engine.TIE_WITHIN,
                                        unit_data=unit))
    return results


def _route_office(index, model, learned, prepared, office, limit):
    scores, transfer = _score_office(index, model, learned, prepared, office)
    if scores is None:
        return [], transfer
    return _explain_office(index, model, learned, prepared, scores, limit), None


@dataclass
class _Across:
    """Every office's units scored at once for one matter (`expected_scores`)."""

    expected: object  # office place -> its best combined score; -inf: no answer; +inf: score it one by one
    document: object  # unit number -> the document engine's score
    subject: object  # unit number -> the learned subjects' score
    combined: object  # unit number -> the combined score, for offices without records of their own
    exact: object  # office place -> True where the arrays cannot settle the answer and `_score_office` must


def expected_scores(index, model, learned, prepared):
    """An `_Across`: what `_score_office` arrives at for every office without records of its own, at once.

    Offices that will not answer (nothing reaches ABSTAIN_BELOW, chit-chat, a transfer instead, a
    subject they do not hold) get -inf; offices with records, +inf (always scored one by one).
    """
    table = index.arrays
    document, has_subject = arrays.document_scores(index, table, prepared.query, prepared.recognised)
    best_document = table.office_maximum(document)
    subject = arrays.subject_scores(table, learned.subjects)
    combined = np.minimum(document + (1 - best_document[table.unit_office]) ** DOUBT_POWER * subject, 1.0)
    best = table.office_maximum(combined)
    unheld, maybe_unheld = engine.unheld_offices(index, prepared.recognised, document, has_subject, best_document)
    cannot = (best < ABSTAIN_BELOW) | unheld
    cannot |= engine.transferring_offices(index, prepared.query, prepared.recognised, best_document)
    if learned.subjects.get(NO_UNIT, 0.0) >= CHITCHAT_ABOVE:
        cannot |= best_document < engine.CONFIDENT_FROM
    expected = np.where(cannot, -math.inf, best)
    exact = maybe_unheld.copy()
    for office in (*model.office_models, *model.office_counts, *model.recent):
        if office in index.office_places:
            expected[index.office_places[office]] = math.inf
            exact[index.office_places[office]] = True
    return _Across(expected, document, subject, combined, exact)


def _office_scores(index, across, office):
    """`_score_office` of an office without records of its own, read off the arrays (`expected_scores`)."""
    place = index.office_places[office]
    units = index.units[office]
    document, subject, combined = (index.arrays.office_slice(values, place)
                                   for values in (across.document, across.subject, across.combined))
    positions = np.flatnonzero((document > 0) | (subject > 0)).tolist()
    scored = sorted(((float(combined[position]), position, units[position].slug, float(document[position]),
                      float(subject[position])) for position in positions),
                    key=lambda item: (-round(item[0], 9), item[1]))
    # Only the first unit of an office in an answer across offices is explained (`route`).
    doc = {slug: engine.Candidate(office, slug, units[position].name_en, units[position].name_zh, document_score,
                                  None, unit_data=units[position])
           for _, position, slug, document_score, _ in scored[:1] if document_score > 0}
    return _OfficeScores(office, scored, doc, None, {}, 0.0, {})


def route(index, model, text, office=None, limit=5):
    """Route `text` with the document engine's evidence and the learned layer's; an engine RouteResult.

    With no office, every office's best score is worked out at once, offices are then scored one by
    one from the best down until no office left could enter the answer, and only the answer is explained.
    """
    learned = read(model, text)
    prepared = engine.prepare(index, text)
    if office is not None:
        results, transfer = _route_office(index, model, learned, prepared, office, limit)
    else:
        across = expected_scores(index, model, learned, prepared)

        def score(slug):
            place = index.office_places[slug]
            if not across.exact[place]:
                scores = _office_scores(index, across, slug)
                return scores.best(), scores
            scores, _ = _score_office(index, model, learned, prepared, slug,
                                      index.arrays.office_slice(across.document, place),
                                      index.arrays.office_slice(across.subject, place))
            return (scores.best(), scores) if scores is not None else (None, None)

        bests = engine.best_offices(index, across.expected, limit, score)
        results = [_explain_office(index, model, learned, prepared, scores, limit, explained=1)[0]
                   for _, _, scores in bests]
        transfer = None if results else engine.first_transfer(
            index, prepared.query, prepared.recognised, index.arrays.office_maximum(across.document))
    confident = bool(results) and results[0].score >= engine.CONFIDENT_FROM and not results[0].tie
    if not results:
        confident = transfer is not None or learned.subjects.get(NO_UNIT, 0.0) >= CHITCHAT_ABOVE
    return engine.RouteResult(text, office, results, confident, transfer)
