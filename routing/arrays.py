"""The index as arrays over every unit of every office, so that routing with no office is one pass.

`engine._route_office` scores one office from its own posting lists; asked for the best units of
all offices, calling it for each office costs time in proportion to the number of offices. Here
the same document evidence is worked out for every unit at once from posting lists over all
offices (word → duty sentences, word → unit names, subject → units holding it), with numpy, in
time that grows with the evidence rather than with the offices:

* `document_scores` gives every unit the score `engine._score_unit` gives it, the same arithmetic
  in the same order, so the offices can be ranked before any of them is scored one by one;
* `subject_factors` is the static half of `learning.subject_unit_scores` (which units hold a
  subject, and how much a research unit or the office root yields), so the learned subjects'
  evidence for every unit is one sparse product.

The routers then score office by office only the few offices at the top, through the usual code,
which keeps every answer and explanation as it was.
"""
import functools
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from routing import engine  # its constants, read when called (engine imports this module)

OFFICES_KEPT = 64  # offices whose own posting lists are kept, for routing within an office
STUDY_FACTOR = 0.7  # units that study a subject yield to units that handle it
_STUDY_RE = re.compile(r"research|研究|调研")


@dataclass
class Arrays:
    """Posting lists over all offices; units and duty sentences numbered office by office, in source order."""

    office_start: np.ndarray  # office place -> its first unit's number (one more entry: the total)
    unit_office: np.ndarray  # unit number -> office place
    unit_factor: np.ndarray  # unit number -> the root's or a parent unit's discount, or 1.0
    duty_unit: np.ndarray  # duty number -> unit number
    unit_duty_start: np.ndarray  # unit number -> its first duty's number (one more entry: the total)
    duty_token_start: np.ndarray  # duty number -> where its tokens start in duty_token_ids (and the total)
    duty_token_ids: np.ndarray  # the tokens of every duty sentence, as numbers (token_ids)
    token_ids: dict  # token -> its number
    duties: dict  # token -> sorted duty numbers whose sentence uses it
    names: dict  # token -> sorted unit numbers whose name uses it
    holders: dict  # subject slug -> sorted unit numbers holding it
    subject_columns: dict  # subject slug -> column of `subject_factors` (slugs in sorted order)
    subject_factors: object  # units x subjects, CSC: the learned subjects' factor for each unit
    transfer_office: np.ndarray  # transfer number -> office place (transfers out, office by office)
    transfer_words: dict  # token -> sorted transfer numbers whose text uses it
    transfer_subjects: dict  # subject slug -> sorted transfer numbers naming it
    _kept: OrderedDict = field(default_factory=OrderedDict, repr=False)  # place -> office_postings(place)
    _lock: object = field(default_factory=threading.Lock, repr=False)
    _tokens: list = field(default=None, repr=False)  # the tokens in number order, once needed
    _columns: dict = field(default_factory=dict, repr=False)  # classes -> columns_of(classes)

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items()
                if key not in ("_kept", "_lock", "_tokens", "_columns")}

    def __setstate__(self, state):
        self.__dict__.update(state, _kept=OrderedDict(), _lock=threading.Lock(), _tokens=None, _columns={})

    @property
    def unit_count(self):
        return len(self.unit_office)

    def office_maximum(self, values):
        """The largest of `values` (one per unit) in each office; 0 for an office with no unit."""
        starts = self.office_start[:-1]
        filled = starts < self.office_start[1:]
        best = np.zeros(len(starts), dtype=values.dtype)
        if filled.any():
            best[filled] = np.maximum.reduceat(values, starts[filled])
        return best

    def columns_of(self, slugs):
        """The subject columns of a classifier's classes (a tuple), -1 for a class the data does not know;
        worked out once per set of classes."""
        with self._lock:
            columns = self._columns.get(slugs)
        if columns is None:
            columns = np.array([self.subject_columns.get(slug, -1) for slug in slugs], dtype=np.int64)
            with self._lock:
                self._columns = {slugs: columns}  # one trained model is in use at a time
        return columns

    def office_postings(self, place, units):
        """(token -> [(unit position, duty position)], token -> [unit position]) of one office: Python
        dictionaries, the fastest way to route within one office. Built from the arrays when first asked
        for and kept for the OFFICES_KEPT offices asked for last, so that hundreds of offices do not all
        hold them in every process."""
        with self._lock:
            if place in self._kept:
                self._kept.move_to_end(place)
                return self._kept[place]
        (first_unit, end_unit), (first_duty, end_duty) = self.window(place)
        tokens = self._tokens
        if tokens is None:
            tokens = self._tokens = list(self.token_ids)  # in number order
        starts = self.duty_token_start[first_duty:end_duty + 1].tolist()
        ids = self.duty_token_ids[starts[0]:starts[-1]].tolist()
        duties = {}
        for unit in range(first_unit, end_unit):
            unit_first, unit_end = int(self.unit_duty_start[unit]), int(self.unit_duty_start[unit + 1])
            for duty in range(unit_first, unit_end):
                key = (unit - first_unit, duty - unit_first)
                for number in ids[starts[duty - first_duty] - starts[0]:starts[duty - first_duty + 1] - starts[0]]:
                    duties.setdefault(tokens[number], []).append(key)
        names = {}
        for position, unit in enumerate(units):
            for token in unit.name_tokens:
                names.setdefault(token, []).append(position)
        with self._lock:
            self._kept[place] = (duties, names)
            while len(self._kept) > OFFICES_KEPT:
                self._kept.popitem(last=False)
        return duties, names

    def duty_token_sets(self, unit):
        """The token numbers of each duty sentence of a unit (by its number), as sets."""
        ids = self.duty_token_ids
        starts = self.duty_token_start[self.unit_duty_start[unit]:self.unit_duty_start[unit + 1] + 1].tolist()
        return [set(ids[start:end].tolist()) for start, end in zip(starts, starts[1:], strict=False)]

    def window(self, place):
        """The unit and duty numbers of one office (None: all offices): ((first, end), (first, end))."""
        if place is None:
            return (0, self.unit_count), (0, len(self.duty_unit))
        first, end = int(self.office_start[place]), int(self.office_start[place + 1])
        return (first, end), (int(self.unit_duty_start[first]), int(self.unit_duty_start[end]))

    def office_slice(self, values, place):
        """The part of `values` (one per unit) for the office at `place`, in its units' order."""
        return values[self.office_start[place]:self.office_start[place + 1]]

    def offices_with(self, units):
        """Office places of the given unit numbers, as a boolean mask over offices."""
        mask = np.zeros(len(self.office_start) - 1, dtype=bool)
        mask[self.unit_office[units]] = True
        return mask


def studies(unit):
    """Research units study a subject rather than handle the matters in it."""
    return studies_name(unit.name_en, unit.name_zh)


def handles(unit):
    """Whether a unit handles the matters in the subjects it holds (not the office root, not research)."""
    return not unit.is_root and not studies(unit)


def placed_factor(unit, factor, handled):
    """A held subject's factor for `unit`: lower at the office root, and lower for a research unit
    when a unit that `handles` matters holds the subject too (`handled`)."""
    if unit.is_root:
        return factor * engine.ROOT_FACTOR
    if handled and studies(unit):
        return factor * STUDY_FACTOR
    return factor


@functools.lru_cache(maxsize=65536)
def studies_name(name_en, name_zh):
    return bool(_STUDY_RE.search(name_en.lower()) or _STUDY_RE.search(name_zh))


def build_arrays(index, parts):
    """The arrays of an `engine.Index`, from its offices' parts (`engine.OfficePart`, in office order).

    Mostly numpy over the parts' own numbered tokens, so that putting 400 offices together takes a
    fraction of reading them.
    """
    token_ids, duty_tokens, duty_lengths, unit_duties = {}, [], [], []
    for part in parts:
        numbers = np.fromiter((token_ids.setdefault(token, len(token_ids)) for token in part.vocabulary),
                              dtype=np.int32, count=len(part.vocabulary))
        duty_tokens.append(numbers[part.duty_tokens])
        duty_lengths.append(part.duty_lengths)
        unit_duties.append([len(unit.duties) for unit in part.units])
    duty_token_ids = np.concatenate(duty_tokens) if duty_tokens else np.zeros(0, dtype=np.int32)
    duty_lengths = np.concatenate(duty_lengths) if duty_lengths else np.zeros(0, dtype=np.int32)
    unit_duty_counts = np.array([count for counts in unit_duties for count in counts], dtype=np.int64)
    unit_office = np.repeat(np.arange(len(parts), dtype=np.int32), [len(part.units) for part in parts])
    office_start = np.concatenate(([0], np.cumsum([len(part.units) for part in parts]))).astype(np.int64)
    unit_duty_start = np.concatenate(([0], np.cumsum(unit_duty_counts))).astype(np.int64)
    duty_token_start = np.concatenate(([0], np.cumsum(duty_lengths))).astype(np.int64)
    duty_unit = np.repeat(np.arange(len(unit_duty_counts), dtype=np.int32), unit_duty_counts)

    # token -> the duties using it, in duty order: the (token, duty) pairs sorted by token, stably.
    duty_of_entry = np.repeat(np.arange(len(duty_lengths), dtype=np.int32), duty_lengths)
    order = np.argsort(duty_token_ids, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(duty_token_ids, minlength=len(token_ids))))).tolist()
    sorted_duties = duty_of_entry[order]
    duties = {token: sorted_duties[bounds[number]:bounds[number + 1]] for number, token in enumerate(token_ids)}

    unit_factor, names, holders = [], {}, {}
    number = 0
    for office in index.offices:
        for unit in index.units[office]:
            unit_factor.append(
                engine.ROOT_FACTOR if unit.is_root else engine.PARENT_UNIT_FACTOR if unit.has_children else 1.0)
            for token in unit.name_tokens:
                names.setdefault(token, []).append(number)
            for slug in unit.subjects:
                holders.setdefault(slug, []).append(number)
            number += 1

    slugs = sorted(index.subjects)
    columns = {slug: column for column, slug in enumerate(slugs)}
    taxonomy = hashlib.blake2b(repr(sorted((slug, subject.get("parent")) for slug, subject in index.subjects.items()))
                               .encode(), digest_size=16).hexdigest()
    rows, cols, values = [], [], []
    for place, (office, part) in enumerate(zip(index.offices, parts, strict=True)):
        if part.subject_factors is None or part.subject_factors[0] != taxonomy:  # kept with the part
            part.subject_factors = (taxonomy, *_office_subject_factors(index, office))
        _, positions, held, factors = part.subject_factors
        rows.append(positions + office_start[place])
        cols.append(np.array([columns[slug] for slug in held], dtype=np.int64))
        values.append(factors)
    factors = sp.csr_matrix(
        (np.concatenate(values) if values else [], (np.concatenate(rows) if rows else [],
                                                   np.concatenate(cols) if cols else [])),
        shape=(len(unit_office), len(slugs)), dtype=np.float64)
    factors.sort_indices()
    factors = factors.tocsc()  # by subject: a matter names a few subjects of hundreds (`subject_scores`)

    transfer_office, transfer_words, transfer_subjects = [], {}, {}
    for place, office in enumerate(index.offices):
        for transfer in index.transfers.get(office, ()):
            for token in transfer.tokens:
                transfer_words.setdefault(token, []).append(len(transfer_office))
            for slug in transfer.subjects:
                transfer_subjects.setdefault(slug, []).append(len(transfer_office))
            transfer_office.append(place)

    def frozen(postings):
        return {key: np.array(numbers, dtype=np.int32) for key, numbers in postings.items()}

    return Arrays(
        office_start=office_start,
        unit_office=unit_office,
        unit_factor=np.array(unit_factor, dtype=np.float64),
        duty_unit=duty_unit,
        unit_duty_start=unit_duty_start,
        duty_token_start=duty_token_start,
        duty_token_ids=duty_token_ids,
        token_ids=token_ids,
        duties=duties,
        names=frozen(names),
        holders=frozen(holders),
        subject_columns=columns,
        subject_factors=factors,
        transfer_office=np.array(transfer_office, dtype=np.int32),
        transfer_words=frozen(transfer_words),
        transfer_subjects=frozen(transfer_subjects),
    )


def _office_subject_factors(index, office):
    """(unit positions, subject slugs, factors): the office's entries of `Arrays.subject_factors`."""
    positions, held, values = [], [], []
    for slug in sorted(_related_subjects(index, index.subject_holders.get(office, {}))):
        for position, factor in _subject_factors(index, index.units[office], office, slug).items():
            positions.append(position)
            held.append(slug)
            values.append(factor)
    return np.array(positions, dtype=np.int64), held, np.array(values, dtype=np.float64)


def _related_subjects(index, holders):
    """The subjects whose learned evidence reaches an office's units: those held, their parents, their children."""
    related = set()
    for slug in holders:
        related.add(slug)
        related.update(index.children.get(slug, ()))
        if slug in index.subjects and index.subjects[slug].get("parent"):
            related.add(index.subjects[slug]["parent"])
    return related & index.subjects.keys()


def _subject_factors(index, units, office, slug):
    """{unit position: factor} for the learned subject `slug` in one office (see learning.subject_unit_scores)."""
    holders = index.subject_holders.get(office, {})
    parent = index.subjects[slug].get("parent")
    related = ((slug, 1.0), (parent, engine.PARENT_SUBJECT_FACTOR),
               *((child, engine.CHILD_SUBJECT_FACTOR) for child in index.children.get(slug, ())))
    held = {}
    for other, factor in related:
        for position in holders.get(other, ()) if other else ():
            held[position] = max(held.get(position, 0.0), factor)
    handled = any(handles(units[position]) for position in held)
    return {position: placed_factor(units[position], factor, handled) for position, factor in held.items()}


def _within(numbers, window):
    """The numbers inside `window` (first, end), counted from its first; all of them for the whole index."""
    first, end = window
    if first == 0 and end >= (numbers[-1] + 1 if len(numbers) else 0):
        return numbers
    start, stop = np.searchsorted(numbers, window)
    return numbers[start:stop] - first


def _weighted(postings, token, variants, weight, window):
    """(numbers, weight x factor) of one query word: its own postings at 1, its variants' at VARIANT_FACTOR.

    A number reached both ways counts once, at the higher factor, as the engine counts it.
    """
    own = _within(postings[token], window) if token in postings else None
    others = [_within(postings[variant], window) for variant in variants if variant != token and variant in postings]
    if not others:
        return (own, np.full(len(own), weight * 1.0)) if own is not None else None
    numbers = np.concatenate(([own] if own is not None else []) + others)
    factors = np.concatenate(([np.ones(len(own))] if own is not None else [])
                             + [np.full(len(other), engine.VARIANT_FACTOR) for other in others])
    order = np.lexsort((-factors, numbers))  # by number, the word itself first
    numbers, factors = numbers[order], factors[order]
    first = np.ones(len(numbers), dtype=bool)
    first[1:] = numbers[1:] != numbers[:-1]
    return numbers[first], weight * factors[first]


def _summed(parts, size):
    """(sum of the weights per number, how many words reached each number) over [(numbers, weights)]."""
    parts = [part for part in parts if part is not None and len(part[0])]
    if not parts:
        return np.zeros(size), np.zeros(size, dtype=np.int64)
    numbers = np.concatenate([numbers for numbers, _ in parts])
    weights = np.concatenate([weights for _, weights in parts])
    # bincount adds in array order, i.e. query word by query word, as the engine's sums do.
    return np.bincount(numbers, weights=weights, minlength=size), np.bincount(numbers, minlength=size)


def duty_evidence(arrays, query, place=None):
    """Each unit's best duty-sentence coverage of the query, x 0.9 (`engine._duty_evidence`); one office's
    units only when `place` is given."""
    units, duties = arrays.window(place)
    parts = [
        _weighted(arrays.duties, token, query.variants[token], query.weights[token], duties)
        for token in query.tokens
        if query.weights[token] >= engine.NEGLIGIBLE_SHARE * query.total
    ]
    sums, words = _summed(parts, duties[1] - duties[0])
    hit = np.flatnonzero(words)
    coverage = sums[hit] / query.total
    if len(query.tokens) > 1:
        coverage = np.where(words[hit] == 1, coverage * engine.SINGLE_WORD_FACTOR, coverage)
    kept = coverage >= engine.WEAK_COVERAGE
    best = np.zeros(units[1] - units[0])
    np.maximum.at(best, arrays.duty_unit[hit[kept] + duties[0]] - units[0], coverage[kept])
    return best * 0.9


def name_evidence(arrays, query, place=None):
    """Each unit's name evidence: 0.8 x the share of the query its name's words cover."""
    units, _ = arrays.window(place)
    parts = [_weighted(arrays.names, token, query.variants[token], query.weights[token], units)
             for token in query.tokens]
    sums, _ = _summed(parts, units[1] - units[0])
    return 0.8 * sums / query.total


def subject_evidence(index, arrays, slug, strength, place=None):
    """Each unit's evidence for one recognised subject: held (x 1), its parent held (x 0.8), a child (x 0.7)."""
    units, _ = arrays.window(place)
    factor = np.zeros(units[1] - units[0])
    empty = np.zeros(0, dtype=np.int32)
    for child in index.children.get(slug, ()):
        factor[_within(arrays.holders.get(child, empty), units)] = engine.CHILD_SUBJECT_FACTOR
    parent = index.subjects[slug].get("parent")
    if parent:
        factor[_within(arrays.holders.get(parent, empty), units)] = engine.PARENT_SUBJECT_FACTOR
    factor[_within(arrays.holders.get(slug, empty), units)] = 1.0
    return np.where(factor > 0, strength * factor, 0.0)


def document_scores(index, arrays, query, recognised, place=None):
    """(every unit's score as `engine._score_unit` gives it, 0 without evidence; whether its best evidence
    includes a subject); the units of the office at `place` only, when given.

    `query` and `recognised` are an `engine.Prepared`'s. The arithmetic is the engine's, in the same
    order, so the scores are the same numbers.
    """
    units, _ = arrays.window(place)
    count = units[1] - units[0]
    evidence = [subject_evidence(index, arrays, slug, strength, place)
                for slug, (strength, _, _) in recognised.items()]
    has_subject = np.zeros(count, dtype=bool)
    for column in evidence:
        has_subject |= column > 0
    if query.total:
        evidence += [duty_evidence(arrays, query, place), name_evidence(arrays, query, place)]
    touched = np.flatnonzero(np.logical_or.reduce([column > 0 for column in evidence])) if evidence else []
    # The best three pieces of evidence of each unit with any, best first (padded with zeros).
    ranked = np.zeros((len(touched), max(len(evidence), 3)))
    for place, column in enumerate(evidence):
        ranked[:, place] = column[touched]
    ranked = -np.sort(-ranked, axis=1)
    score = np.zeros(count)
    score[touched] = (0.85 * ranked[:, 0] + 0.1 * ranked[:, 1] + 0.05 * ranked[:, 2]) * \
        arrays.unit_factor[units[0]:units[1]][touched]
    return np.minimum(score, 1.0), has_subject


def subject_scores(arrays, probabilities):
    """Each unit's learned-subject score (`learning.subject_unit_scores`), from {subject: probability}.

    Subjects under 1 % and those the data does not know are left out, as there.
    """
    columns = arrays.columns_of(tuple(probabilities))
    values = np.fromiter(probabilities.values(), dtype=np.float64, count=len(probabilities))
    kept = (columns >= 0) & (values >= 0.01)
    order = np.argsort(columns[kept])
    columns, values = columns[kept][order], values[kept][order]
    # Only the kept subjects' columns are read. bincount adds each unit's terms subject by subject in
    # column order, as a product with the whole matrix would, so the sums are the same numbers.
    factors = arrays.subject_factors
    starts = factors.indptr[columns]
    lengths = factors.indptr[columns + 1] - starts
    entries = _ranges(starts, lengths)
    scores = np.bincount(factors.indices[entries], weights=factors.data[entries] * np.repeat(values, lengths),
                         minlength=factors.shape[0])
    return np.minimum(scores, 1.0)


def _ranges(starts, lengths):
    """The numbers of the ranges [start, start + length), one after another."""
    if not len(lengths):
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1])


def transfer_scores(arrays, query, recognised):
    """Each office's best transfer score (`engine._score_transfer`), 0 for an office with none that fits."""
    best = np.zeros(len(arrays.office_start) - 1)
    if not len(arrays.transfer_office):
        return best
    scores = np.zeros(len(arrays.transfer_office))
    if query.total:
        text = np.zeros(len(arrays.transfer_office))
        for token in query.tokens:  # word by word, as the engine adds them up
            found = [arrays.transfer_words[variant] for variant in query.variants[token]
                     if variant in arrays.transfer_words]
            if found:
                text[np.unique(np.concatenate(found))] += query.weights[token]
        scores = 0.95 * text / query.total
    for slug, (strength, _, _) in recognised.items():
        numbers = arrays.transfer_subjects.get(slug)
        if numbers is not None:
            scores[numbers] = np.maximum(scores[numbers], strength)
    np.maximum.at(best, arrays.transfer_office, scores)
    return best
