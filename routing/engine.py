"""The router: which unit of an office handles a matter, and why. Pure Python, deterministic.

Input is plain data in the organisation interchange shape (`orgunits.interchange`): offices
with units (names, duties, portfolio subjects) and transfers, plus the subject taxonomy with
aliases in both languages. `build_index(data)` prepares it once; `route(index, text, office)`
answers in well under a millisecond.

How a matter is scored
----------------------
A query is tokenised (English stems, Chinese words) and each token weighted by its inverse
document frequency over all duty sentences, so rare words count more than "government".

Two kinds of evidence point at a unit:

* **Subjects.** A subject is recognised when one of its phrases (English or Chinese name,
  or an alias) occurs in the query. The units holding that subject in their portfolio get
  the match; units holding only its parent subject get a weaker one ("prisons" → the unit
  holding "justice"). Subject phrases are bilingual, so "旅游" finds "tourism".
* **Duties.** Each duty sentence (in both languages) is compared with the query; its
  evidence is the share of the query's weight it covers.

A unit's score is its best evidence plus a little for the rest. Scores are in [0, 1].

The router abstains (names no unit) when the best score is under `ABSTAIN_BELOW`, or when
the query clearly names a subject that no unit of the office holds. When a function the
document says moved out of the office explains the query better than any unit, the result
carries that transfer instead of a unit.
"""
import bisect
import hashlib
import math
import pickle
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from routing import arrays
from routing.lexicon import EVERYDAY_TO_OFFICIAL
from routing.text import CJK_RE, compact_chinese, english_words, is_english_word, normalize, stem, tokens

ABSTAIN_BELOW = 0.3
CONFIDENT_FROM = 0.55
TIE_WITHIN = 0.02
SUBJECT_FLOOR = 0.45  # a recognised subject is strong evidence however many other words surround it
SPECIFIC_PHRASE_IDF = 2.5  # a subject phrase made only of everyday document words ("government") is weak
PARENT_SUBJECT_FACTOR = 0.8  # "prisons" → the unit holding "justice"
CHILD_SUBJECT_FACTOR = 0.7  # "Hong Kong, Macao and Taiwan" → the unit holding "Taiwan affairs"
ROOT_FACTOR = 0.85  # the office's own responsibilities restate its units' work: prefer the specific unit
PARENT_UNIT_FACTOR = 0.97  # a unit with units of its own yields a little to them
UNSEEN_WEIGHT = 1.6  # weight of a query word the data never uses (keeps unrelated matters unexplained)
MAX_QUERY_CHARS = 2000
NEGLIGIBLE_SHARE = 0.03  # a query word carrying less of the query's weight than this is not looked up
WEAK_COVERAGE = 0.12  # a duty covering less of the query than this is no evidence for a unit
SINGLE_WORD_FACTOR = 0.6  # one shared word between a sentence-long matter and a duty is thin evidence
VARIANT_FACTOR = 0.8  # an everyday word standing in for the document's word counts a little less


@dataclass(frozen=True)
class Reason:
    kind: str  # "subject" | "duty" | "name"
    text_en: str
    text_zh: str
    matched: tuple
    subject: str | None = None
    scope_en: str = ""
    scope_zh: str = ""
    quote: str = ""

    def as_dict(self):
        data = {"kind": self.kind, "text_en": self.text_en, "text_zh": self.text_zh, "matched": list(self.matched)}
        if self.subject:
            data.update(subject=self.subject, scope_en=self.scope_en, scope_zh=self.scope_zh, quote=self.quote)
        return data


@dataclass
class Candidate:
    office: str
    unit: str
    name_en: str
    name_zh: str
    score: float
    reasons: list
    tie: bool = False
    unit_data: object = field(default=None, repr=False, compare=False)

    def as_dict(self):
        return {
            "office": self.office,
            "unit": self.unit,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "score": round(self.score, 4),
            "tie": self.tie,
            "reasons": [reason.as_dict() for reason in self.reasons],
        }


@dataclass
class RouteResult:
    query: str
    office: str | None
    results: list
    confident: bool
    transfer: dict | None = None
    matched_words: list = field(default_factory=list)

    def as_dict(self):
        return {
            "query": self.query,
            "office": self.office,
            "results": [candidate.as_dict() for candidate in self.results],
            "confident": self.confident,
            "transfer": self.transfer,
        }


# Index -----------------------------------------------------------------------------------


@dataclass
class _Phrase:
    subject: str
    text: str
    tokens: tuple  # English stems; empty for a Chinese phrase matched as a substring
    chinese: str  # compact Chinese characters, "" for an English phrase


@dataclass
class _Unit:
    office: str
    slug: str
    name_en: str
    name_zh: str
    is_root: bool
    has_children: bool
    duties: list  # [(text_en, text_zh)]; their tokens are in the index's arrays
    subjects: dict  # subject slug -> portfolio entry dict
    name_tokens: frozenset


@dataclass
class _Transfer:
    office: str
    text_en: str
    text_zh: str
    body_en: str
    body_zh: str
    quote: str
    subjects: frozenset
    tokens: frozenset


@dataclass
class Index:
    offices: list  # office slugs in source order
    units: dict  # office slug -> [_Unit]
    transfers: dict  # office slug -> [_Transfer]
    subjects: dict  # slug -> subject dict
    children: dict  # subject slug -> [child slugs]
    phrases_by_token: dict  # first English stem -> [_Phrase]
    chinese_phrases: dict  # first two characters -> [_Phrase]
    idf: dict
    vocabulary: list  # surface English words of the data, for typo correction
    vocabulary_set: frozenset
    default_idf: float
    lexicon: dict  # everyday token -> official tokens
    subject_holders: dict  # office -> subject slug -> [unit position]
    office_places: dict = field(default_factory=dict)  # office slug -> place in source order (the tie-break)
    unit_positions: dict = field(default_factory=dict)  # office slug -> unit slug -> position
    office_subjects: dict = field(default_factory=dict)  # office slug -> frozenset of the subjects its units hold
    arrays: object = None  # routing.arrays.Arrays: every office's units at once
    offices_read: int = 0  # offices tokenised for this index (the others were reused from a previous one)


def build_index(data, lexicon=EVERYDAY_TO_OFFICIAL):
    """Prepare the organisation data (interchange shape) for routing."""
    return build(data, lexicon)[0]


def build(data, lexicon=EVERYDAY_TO_OFFICIAL, reuse=None):
    """(index, office parts) for the organisation data: `build_index`, reusing the parts of offices read
    before (`reuse`, the parts a previous build returned) whose data has not changed."""
    subjects = {subject["slug"]: subject for subject in data["subjects"]}
    children = {}
    for subject in data["subjects"]:
        if subject.get("parent"):
            children.setdefault(subject["parent"], []).append(subject["slug"])

    phrases_by_token, chinese_phrases = {}, {}
    for subject in data["subjects"]:
        for text in [subject["name_en"], subject["name_zh"], *subject.get("aliases", [])]:
            normal = normalize(text)
            if CJK_RE.search(normal):
                chinese = compact_chinese(normal)
                if len(chinese) >= 2:
                    chinese_phrases.setdefault(chinese[:2], []).append(_Phrase(subject["slug"], text, (), chinese))
            else:
                phrase_tokens = tuple(tokens(normal, normalized=True))
                if phrase_tokens:
                    phrases_by_token.setdefault(phrase_tokens[0], []).append(
                        _Phrase(subject["slug"], text, phrase_tokens, "")
                    )

    parts, office_parts, read = {}, [], 0
    for office in data["offices"]:
        fingerprint = office_fingerprint(office)
        part = (reuse or {}).get(fingerprint)
        if part is None:
            part, read = read_office(office), read + 1
        parts[fingerprint] = part
        office_parts.append(part)

    units, transfers, subject_holders, surface = {}, {}, {}, set()
    for office, part in zip(data["offices"], office_parts, strict=True):
        slug = office["slug"]
        units[slug], transfers[slug] = part.units, part.transfers
        surface |= part.surface
        subject_holders[slug] = holders = {}
        for position, unit in enumerate(part.units):
            for subject in unit.subjects:
                holders.setdefault(subject, []).append(position)
    for subject in data["subjects"]:
        for text in [subject["name_en"], *subject.get("aliases", [])]:
            if not CJK_RE.search(text):
                surface.update(english_words(normalize(text)))

    vocabulary = sorted(word for word in surface if len(word) >= 4)
    index = Index(
        offices=[office["slug"] for office in data["offices"]],
        units=units,
        transfers=transfers,
        subjects=subjects,
        children=children,
        phrases_by_token=phrases_by_token,
        chinese_phrases=chinese_phrases,
        idf={},
        vocabulary=vocabulary,
        vocabulary_set=frozenset(vocabulary),
        default_idf=0.0,
        lexicon=_load_lexicon(lexicon),
        subject_holders=subject_holders,
        office_places={office["slug"]: place for place, office in enumerate(data["offices"])},
        unit_positions={slug: {unit.slug: position for position, unit in enumerate(office_units)}
                        for slug, office_units in units.items()},
        office_subjects={slug: frozenset(holders) for slug, holders in subject_holders.items()},
        offices_read=read,
    )
    index.arrays = table = arrays.build_arrays(index, office_parts)
    documents = max(len(table.duty_unit), 1)
    frequencies = np.bincount(table.duty_token_ids, minlength=len(table.token_ids)).tolist()
    index.idf = {token: math.log(1 + (documents - df + 0.5) / (df + 0.5))
                 for token, df in zip(table.token_ids, frequencies, strict=True)}
    # Tokens that only subject phrases use still deserve a sensible weight.
    index.default_idf = math.log(1 + (documents - 0.5) / 1.5)
    return index, parts


@dataclass
class OfficePart:
    """One office as the router reads it, from that office's data alone: reused as it is by the next
    index when the office has not changed, so that an edit to one office re-reads only that office."""

    units: list  # [_Unit]
    vocabulary: list  # the tokens of its duty sentences, each once
    duty_tokens: object  # every duty sentence's tokens, unit by unit, as numbers into `vocabulary` (int32)
    duty_lengths: object  # the number of tokens of each duty sentence (int32)
    transfers: list  # [_Transfer], the functions moved out
    surface: frozenset  # the English words of its duty sentences, for typo correction
    subject_factors: tuple = None  # its part of the learned subjects' factors (routing.arrays), when worked out


def office_fingerprint(office):
    """A digest of an office's data (interchange shape, as `org_export` writes it): equal for equal data."""
    return hashlib.blake2b(pickle.dumps(office, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()


def read_office(office):
    """Tokenise one office (the costly part of building an index): an OfficePart."""
    parents = {unit["parent"] for unit in office["units"] if unit["parent"]}
    units, numbers, duty_tokens, duty_lengths, surface = [], {}, [], [], set()
    for unit in office["units"]:
        for duty in unit["duties"]:
            found = dict.fromkeys(tokens(duty["text_en"]) + tokens(duty["text_zh"]))
            duty_tokens.extend(numbers.setdefault(token, len(numbers)) for token in found)
            duty_lengths.append(len(found))
            surface.update(english_words(normalize(duty["text_en"])))
        units.append(_Unit(
            office=office["slug"],
            slug=unit["slug"],
            name_en=unit["name_en"],
            name_zh=unit["name_zh"],
            is_root=unit["parent"] is None,
            has_children=unit["slug"] in parents,
            duties=[(duty["text_en"], duty["text_zh"]) for duty in unit["duties"]],
            subjects={entry["slug"]: entry for entry in unit["subjects"]},
            name_tokens=frozenset(tokens(unit["name_en"]) + tokens(unit["name_zh"])),
        ))
    transfers = [
        _Transfer(
            office=office["slug"],
            text_en=transfer["text_en"],
            text_zh=transfer["text_zh"],
            body_en=transfer.get("body_en", ""),
            body_zh=transfer.get("body_zh", ""),
            quote=transfer.get("quote", ""),
            subjects=frozenset(transfer.get("subjects", [])),
            tokens=frozenset(tokens(transfer["text_en"]) + tokens(transfer["text_zh"])),
        )
        for transfer in office.get("transfers", [])
        if transfer["direction"] == "out"
    ]
    return OfficePart(units, list(numbers), np.array(duty_tokens, dtype=np.int32),
                      np.array(duty_lengths, dtype=np.int32), transfers, frozenset(surface))


def _load_lexicon(lexicon):
    """Map each everyday word (as a token) to the tokens of its official equivalents."""
    loaded = {}
    for word, officials in lexicon.items():
        key_tokens = tokens(word)
        if len(key_tokens) != 1:
            continue
        variants = {token for official in officials for token in tokens(official)} - {key_tokens[0]}
        if variants:
            loaded.setdefault(key_tokens[0], set()).update(variants)
    return {key: frozenset(value) for key, value in loaded.items()}


# Query -----------------------------------------------------------------------------------


@dataclass
class _Query:
    text: str
    normal: str
    chinese: str
    tokens: list
    weights: dict
    total: float
    corrections: dict  # stem -> the surface word it came from (after typo correction)
    variants: dict  # token -> the token itself plus the official words it stands for (for duty text)


def _prepare(index, text):
    normal = normalize(text)
    query_tokens, corrections = [], {}
    english = english_words(normal)
    for word in english:
        if len(word) < 2 and not word.isdigit():
            continue
        token = stem(word)
        if (
            token not in index.idf
            and word not in index.vocabulary_set
            and len(word) >= 5
            and not word.isdigit()
            and not is_english_word(word)
        ):
            match = process.extractOne(word, index.vocabulary, scorer=fuzz.ratio, score_cutoff=83)
            if match:
                token = stem(match[0])
        if token not in corrections:
            corrections[token] = word
            query_tokens.append(token)
    for token in tokens("".join(ch if CJK_RE.match(ch) else " " for ch in normal), normalized=True):
        if token not in corrections:
            corrections[token] = token
            query_tokens.append(token)
    variants = {token: frozenset({token} | index.lexicon.get(token, frozenset())) for token in query_tokens}
    weights = {}
    for token in query_tokens:
        if token in index.idf:
            weights[token] = index.idf[token]
        else:
            seen = [index.idf[variant] for variant in variants[token] if variant in index.idf]
            weights[token] = VARIANT_FACTOR * max(seen) if seen else UNSEEN_WEIGHT
    # Chinese search-mode segmentation yields a word and its parts; count the parts once.
    for token in query_tokens:
        if CJK_RE.match(token) and len(token) > 2:
            for other in query_tokens:
                if other != token and other in token and other in weights and weights[other] > 0:
                    weights[other] = weights[other] * 0.5
    total = sum(weights.values())
    return _Query(text, normal, compact_chinese(normal), query_tokens, weights, total, corrections, variants)


def _match_subjects(index, query):
    """Recognised subjects: slug -> (strength in [0, 1], phrase text, matched words).

    Longest match wins: a phrase whose words lie inside a longer phrase matched for another
    subject is dropped ("coal safety" is coal safety, not also coal and safety in production).
    """
    matches = []  # (subject, weight, phrase text, words, span)
    position = {token: place for place, token in enumerate(query.tokens)}
    for token in query.tokens:
        for phrase in index.phrases_by_token.get(token, ()):
            if all(part in position for part in phrase.tokens) and _close_together(phrase.tokens, position):
                weight = sum(query.weights[part] for part in phrase.tokens)
                words = tuple(query.corrections.get(part, part) for part in phrase.tokens)
                matches.append((phrase.subject, weight, phrase.text, words, frozenset(phrase.tokens)))
    if query.chinese:
        candidates = {}
        for start in range(len(query.chinese) - 1):
            for phrase in index.chinese_phrases.get(query.chinese[start:start + 2], ()):
                if query.chinese.startswith(phrase.chinese, start) and id(phrase) not in candidates:
                    candidates[id(phrase)] = (start, phrase)
        for start, phrase in candidates.values():
            covered = [token for token in query.tokens if CJK_RE.match(token) and token in phrase.chinese]
            weight = sum(query.weights.get(token, 0) for token in covered) or index.default_idf
            span = frozenset(covered) | frozenset(
                ("zh", position) for position in range(start, start + len(phrase.chinese)))
            matches.append((phrase.subject, weight, phrase.text, (phrase.chinese,), span))
    found = {}
    for subject, weight, text, words, span in matches:
        if any(span < other[4] and other[0] != subject for other in matches):
            continue
        coverage = min(1.0, weight / query.total) if query.total else 0.0
        specificity = min(1.0, weight / SPECIFIC_PHRASE_IDF)
        strength = SUBJECT_FLOOR * specificity + (1 - SUBJECT_FLOOR) * coverage
        if strength < WEAK_COVERAGE:
            continue
        if subject not in found or strength > found[subject][0]:
            found[subject] = (strength, text, words)
    return found


def _close_together(phrase_tokens, position):
    """A phrase's words may come in any order, with at most one other word between them."""
    places = [position[part] for part in phrase_tokens]
    return max(places) - min(places) <= len(places)


def _duty_evidence(index, office, query):
    """For each unit position, the duty sentence covering most of the query: (coverage, duty, matched)."""
    if not query.total:
        return {}
    postings, _ = index.arrays.office_postings(index.office_places[office], index.units[office])
    hits = {}  # (unit position, duty position) -> {query token: factor}
    for token, variant, factor in _looked_up(query):
        for key in postings.get(variant, ()):
            matched = hits.setdefault(key, {})
            if matched.get(token, 0.0) < factor:
                matched[token] = factor
    return _best_duties(index.units.get(office, ()), query, hits)


def _unit_duty_evidence(index, unit, query):
    """`_duty_evidence` for one unit: (coverage, duty, matched tokens), or (0.0, None, ()) when none counts.

    For explaining a unit scored from the arrays; its duties are looked at in `_duty_evidence`'s order.
    """
    if not query.total:
        return 0.0, None, ()
    table = index.arrays
    number = int(table.office_start[index.office_places[unit.office]]) + index.unit_positions[unit.office][unit.slug]
    duty_sets = table.duty_token_sets(number)
    used = set().union(*duty_sets)
    hits = {}
    for token, variant, factor in _looked_up(query):
        variant_id = table.token_ids.get(variant)
        if variant_id not in used:
            continue
        for position, ids in enumerate(duty_sets):
            if variant_id in ids:
                matched = hits.setdefault((0, position), {})
                if matched.get(token, 0.0) < factor:
                    matched[token] = factor
    return _best_duties([unit], query, hits).get(0, (0.0, None, ()))


def _looked_up(query):
    """(query token, the token or a variant to look up, factor) in lookup order."""
    for token in query.tokens:
        if query.weights[token] < NEGLIGIBLE_SHARE * query.total:
            continue  # words in nearly every duty ("government") cannot tell units apart
        for variant in query.variants[token]:
            yield token, variant, 1.0 if variant == token else VARIANT_FACTOR


def _best_duties(units, query, hits):
    """{unit position: (coverage, duty, matched tokens)} of the best duty per unit among `hits`."""
    best = {}
    several_words = len(query.tokens) > 1
    for (unit_position, duty_position), matched in hits.items():
        coverage = sum(query.weights[token] * factor for token, factor in matched.items()) / query.total
        if several_words and len(matched) == 1:
            coverage *= SINGLE_WORD_FACTOR
        if coverage >= WEAK_COVERAGE and coverage > best.get(unit_position, (0.0,))[0]:
            ordered = tuple(token for token in query.tokens if token in matched)
            best[unit_position] = (coverage, units[unit_position].duties[duty_position], ordered)
    return best


def _held_entry(index, unit, slug):
    """The unit's portfolio entry for a recognised subject: its own, else its parent's, else a child's."""
    if slug in unit.subjects:
        return unit.subjects[slug], 1.0
    parent = index.subjects[slug].get("parent")
    if parent and parent in unit.subjects:
        return unit.subjects[parent], PARENT_SUBJECT_FACTOR
    for child in index.children.get(slug, ()):
        if child in unit.subjects:
            return unit.subjects[child], CHILD_SUBJECT_FACTOR
    return None, 0.0


def _score_unit(index, unit, query, recognised, duty_evidence):
    """(score, evidence): evidence is a list of (weight, kind, detail) kept cheap until shown."""
    evidence = []
    for slug, (strength, _, words) in recognised.items():
        entry, factor = _held_entry(index, unit, slug)
        if entry is not None:
            evidence.append((strength * factor, "subject", (entry, words)))
    coverage, duty, matched = duty_evidence
    if duty is not None and coverage > 0:
        evidence.append((coverage * 0.9, "duty", (duty, matched)))
    # A place stands for the office named after its province or city ("海口" for the Hainan office).
    name_matched = [token for token in query.tokens if not query.variants[token].isdisjoint(unit.name_tokens)]
    if name_matched and query.total:
        weight = 0.8 * sum(query.weights[token] * (1.0 if token in unit.name_tokens else VARIANT_FACTOR)
                           for token in name_matched) / query.total
        evidence.append((weight, "name", name_matched))
    if not evidence:
        return 0.0, []
    evidence.sort(key=lambda item: -item[0])
    # The best evidence decides; agreeing evidence (a duty that also names the matter) breaks ties.
    scores = [item[0] for item in evidence[:3]] + [0.0, 0.0]
    score = 0.85 * scores[0] + 0.1 * scores[1] + 0.05 * scores[2]
    if unit.is_root:
        score *= ROOT_FACTOR
    elif unit.has_children:
        score *= PARENT_UNIT_FACTOR
    return min(score, 1.0), evidence[:3]


def _reasons(index, unit, query, evidence):
    """Turn a unit's evidence into the reasons shown to people: what matched, quoted from the source."""
    reasons = []
    for _, kind, detail in evidence:
        if kind == "subject":
            entry, words = detail
            subject = index.subjects[entry["slug"]]
            reasons.append(Reason(
                kind="subject", subject=entry["slug"], text_en=subject["name_en"], text_zh=subject["name_zh"],
                scope_en=entry.get("scope_en", ""), scope_zh=entry.get("scope_zh", ""),
                quote=entry.get("quote", ""), matched=words,
            ))
        elif kind == "duty":
            duty, matched = detail
            words = tuple(query.corrections.get(token, token) for token in matched)
            reasons.append(Reason(kind="duty", text_en=duty[0], text_zh=duty[1], matched=words))
        else:
            words = tuple(query.corrections.get(token, token) for token in detail)
            reasons.append(Reason(kind="name", text_en=unit.name_en, text_zh=unit.name_zh, matched=words))
    return reasons


def _score_transfer(transfer, query, recognised):
    subject_score = max((recognised[slug][0] for slug in transfer.subjects if slug in recognised), default=0.0)
    matched = [token for token in query.tokens if not query.variants[token].isdisjoint(transfer.tokens)]
    text_score = 0.95 * sum(query.weights[token] for token in matched) / query.total if query.total else 0.0
    return max(subject_score, text_score)


def _route_office(index, office, query, recognised, floor=ABSTAIN_BELOW, check_unheld=True, document=None):
    """(candidates sorted best first, transfer dict or None) for one office; none below `floor`.

    `document` is the office's slice of `arrays.document_scores`, when the caller has it: then the
    units need no scoring here, and a candidate's evidence is gathered only if it is shown.
    """
    units = index.units.get(office, ())
    if document is None:
        scored = _score_units(index, office, query, recognised)
    else:
        scored = [(position, Candidate(office, units[position].slug, units[position].name_en,
                                       units[position].name_zh, float(document[position]), None,
                                       unit_data=units[position]))
                  for position in np.flatnonzero(document > 0).tolist()]
    # Equal scores keep the source's order of units: deterministic, and the document's own emphasis.
    scored = [candidate for _, candidate in sorted(scored, key=lambda pair: (-round(pair[1].score, 9), pair[0]))]
    best = scored[0].score if scored else 0.0

    transfer = _office_transfer(index, office, query, recognised, best)
    if transfer is not None:
        return [], transfer
    if best < floor or (check_unheld and _names_an_unheld_subject(index, office, query, recognised, best, scored)):
        return [], None
    for candidate in scored:
        candidate.tie = best - candidate.score <= TIE_WITHIN and len(scored) > 1 and (
            scored[1].score >= best - TIE_WITHIN
        )
    return scored, None


def _office_transfer(index, office, query, recognised, best):
    """The transfer (a dict) that explains the query better than the office's best unit (`best`), if any."""
    transfer, transfer_score = None, 0.0
    for item in index.transfers.get(office, ()):
        item_score = _score_transfer(item, query, recognised)
        if item_score > transfer_score:
            transfer, transfer_score = item, item_score
    if transfer is None or transfer_score < ABSTAIN_BELOW or transfer_score <= best:
        return None
    return {
        "to": transfer.body_en or None,
        "to_zh": transfer.body_zh or None,
        "text": transfer.text_en,
        "text_zh": transfer.text_zh,
        "quote": transfer.quote,
        "score": round(transfer_score, 4),
    }


def _score_units(index, office, query, recognised):
    """[(unit position, Candidate with its evidence)] for the office's units with any evidence."""
    units = index.units.get(office, ())
    duty_evidence = _duty_evidence(index, office, query)
    holders = index.subject_holders.get(office, {})
    candidates = set(duty_evidence)
    for slug in recognised:
        for related in (slug, index.subjects[slug].get("parent"), *index.children.get(slug, ())):
            candidates.update(holders.get(related, ()))
    _, names = index.arrays.office_postings(index.office_places[office], units)
    for token in query.tokens:
        for variant in query.variants[token]:
            candidates.update(names.get(variant, ()))
    scored = []
    for position in sorted(candidates):
        unit = units[position]
        score, reasons = _score_unit(index, unit, query, recognised, duty_evidence.get(position, (0.0, None, ())))
        if score > 0:
            scored.append((position, Candidate(office, unit.slug, unit.name_en, unit.name_zh, score, reasons,
                                               unit_data=unit)))
    return scored


def _evidence(index, candidate, query, recognised):
    """A candidate's evidence (what `_score_unit` finds), gathered when it is first needed."""
    if candidate.reasons is None:
        unit = candidate.unit_data
        _, candidate.reasons = _score_unit(index, unit, query, recognised, _unit_duty_evidence(index, unit, query))
    return candidate.reasons


def _names_an_unheld_subject(index, office, query, recognised, best, scored):
    """True when the query is plainly about a subject this office's units do not hold.

    Then a weaker duty match elsewhere is a guess; the honest answer is "no unit".
    """
    if not recognised:
        return False
    top_subject, (strength, _, _) = max(recognised.items(), key=lambda item: (item[1][0], item[0]))
    if strength < 0.8:
        return False
    related = {top_subject, index.subjects[top_subject].get("parent"), *index.children.get(top_subject, [])}
    held = not index.office_subjects.get(office, frozenset()).isdisjoint(related)
    if held:
        return False
    top_evidence = _evidence(index, scored[0], query, recognised) if scored else []
    return not any(kind == "subject" for _, kind, _ in top_evidence) and best < strength


def route(index, text, office=None, limit=5, floor=ABSTAIN_BELOW):
    """Route `text` within `office` (a slug), or across all offices when `office` is None.

    `floor=0` keeps every unit with any evidence (for combining with other evidence) instead of abstaining.
    """
    query = _prepare(index, text[:MAX_QUERY_CHARS])
    recognised = _match_subjects(index, query)
    if office is not None:
        results, transfer = _route_office(index, office, query, recognised, floor)
        results = results[:limit]
    else:
        document, has_subject = arrays.document_scores(index, index.arrays, query, recognised)
        best = index.arrays.office_maximum(document)
        cannot = (best <= 0) | (best < floor) | unheld_offices(index, recognised, document, has_subject, best)[0]
        cannot |= transferring_offices(index, query, recognised, best)
        expected = np.where(cannot, -math.inf, best)

        def score(slug):
            found, _ = _route_office(index, slug, query, recognised, floor, document=index.arrays.office_slice(
                document, index.office_places[slug]))
            return (found[0].score, found[0]) if found else (None, None)

        results = [candidate for _, _, candidate in best_offices(index, expected, limit, score)]
        transfer = None if results else first_transfer(index, query, recognised, best)
    for candidate in results:
        candidate.reasons = _reasons(index, candidate.unit_data, query, _evidence(index, candidate, query, recognised))
    confident = bool(results) and results[0].score >= CONFIDENT_FROM and not (
        office is not None and results[0].tie and len({c.unit for c in results if c.tie}) > 2
    )
    if not results and (transfer is not None or not recognised) and query.total:
        # Declining to name a unit is itself a confident answer when nothing in the data fits.
        confident = True
    return RouteResult(text, office, results, confident, transfer)


# Across offices ----------------------------------------------------------------------------


def best_offices(index, expected, limit, score_office):
    """The `limit` best answers of all offices, [(score, office place, answer)] best first.

    `expected[place]` is the score the office's best unit has (from the arrays, `routing.arrays`),
    -inf for an office that cannot answer. Offices are scored one by one by `score_office(slug)` ->
    (best score or None, answer), from the highest expected down, until the next cannot enter the
    answer: on a tie the office earlier in source order comes first, so an equal office later
    than the last one kept is not scored either.
    """
    places = np.flatnonzero(expected > -math.inf)
    bests = []
    for place in places[np.lexsort((places, -expected[places]))].tolist():
        if len(bests) >= limit and (expected[place] < bests[-1][0]
                                    or (expected[place] == bests[-1][0] and place > bests[-1][1])):
            break
        best, answer = score_office(index.offices[place])
        if best is not None:
            bisect.insort(bests, (best, place, answer), key=rank_key)
            del bests[limit:]
    return bests


def transferring_offices(index, query, recognised, best):
    """Offices whose own transfer out explains the query better than their best unit (`best`), as a mask:
    they answer with the transfer, not with a unit."""
    transfer = arrays.transfer_scores(index.arrays, query, recognised)
    return (transfer >= ABSTAIN_BELOW) & (transfer > best)


def first_transfer(index, query, recognised, best):
    """The transfer of the first office, in source order, whose transfer explains the query better than its
    best unit (`best[place]`, from the arrays), or None."""
    for place in np.flatnonzero(transferring_offices(index, query, recognised, best)).tolist():
        slug = index.offices[place]
        transfer = _office_transfer(index, slug, query, recognised, float(best[place]))
        if transfer:
            return {**transfer, "office": slug}
    return None


def unheld_offices(index, recognised, document, has_subject, best):
    """(offices for which `_names_an_unheld_subject` certainly holds, offices for which it may), as masks.

    `document` and `has_subject` are `arrays.document_scores`, `best` each office's best score.
    """
    table = index.arrays
    unheld = np.zeros(len(index.offices), dtype=bool)
    if not recognised:
        return unheld, unheld
    top, (strength, _, _) = max(recognised.items(), key=lambda item: (item[1][0], item[0]))
    if strength < 0.8:
        return unheld, unheld
    holds = unheld.copy()
    for related in {top, index.subjects[top].get("parent"), *index.children.get(top, ())} - {None}:
        holds |= table.offices_with(table.holders.get(related, []))
    # A unit at (or within rounding of) the office's best with a subject among its evidence may be the one shown.
    near_best = document >= best[table.unit_office] - 1e-9
    subject_on_top = table.office_maximum((near_best & has_subject).astype(np.float64)) > 0
    possibly = ~holds & (best < strength)
    return possibly & ~subject_on_top, possibly & subject_on_top


def rank_key(item):
    """Best score first, then the office's place in source order."""
    return -item[0], item[1]


# For other evidence to be combined with the engine's (routing.learning) --------------------


@dataclass
class Prepared:
    """A matter read once: its weighted tokens and the subjects it names."""

    query: _Query
    recognised: dict


def prepare(index, text):
    """Read `text` once for scoring in several offices."""
    query = _prepare(index, text[:MAX_QUERY_CHARS])
    return Prepared(query, _match_subjects(index, query))


def score_office(index, prepared, office, document=None):
    """(every unit of `office` with evidence, best first and not yet explained; transfer dict or None;
    whether the matter plainly names a subject that no unit of the office holds).

    `document`: the office's slice of `arrays.document_scores`, when the caller has worked it out.
    """
    query, recognised = prepared.query, prepared.recognised
    candidates, transfer = _route_office(index, office, query, recognised, floor=0.0, check_unheld=False,
                                         document=document)
    best = candidates[0].score if candidates else 0.0
    return candidates, transfer, _names_an_unheld_subject(index, office, query, recognised, best, candidates)


def explain(index, prepared, candidate):
    """The reasons shown to people for a candidate from `score_office`."""
    evidence = _evidence(index, candidate, prepared.query, prepared.recognised)
    return _reasons(index, candidate.unit_data, prepared.query, evidence)
