"""Deterministic plans of synthetic alerts: what to write, independent of how.

Every name says "Synthetic" and every text is lorem-like generated words, so the
data can never be mistaken for a real alert. A plan depends only on the seed,
the alert's index and the sizes of the country and source pools, so the same
command line always produces the same data and a resumed run continues it.
"""

import datetime
import random
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from alerts.models import ChangeKind, Level

SLUG_PREFIX = "synthetic-alert-"
COUNTRY_SLUG_PREFIX = "synthetic-country-"
SOURCE_URL_PREFIX = "https://example.org/synthetic/sources/"
EDITOR = "synthetic-editor"
REVIEWERS = ("synthetic-reviewer-1", "synthetic-reviewer-2")
CREATE_COMMENT = "Synthetic alert written by seed_synthetic"
UPDATE_COMMENT = "Synthetic update written by seed_synthetic"
REFERENCE_COMMENT = "Synthetic countries and sources written by seed_synthetic"

# Where the bulk path places alert ``index`` in time: one alert every two hours from
# 2003, so 100,000 alerts end in 2025 and the publication order is the index order.
EPOCH = datetime.datetime(2003, 1, 1, tzinfo=datetime.UTC)
SLOT = datetime.timedelta(hours=2)
UPDATE_SPACING = datetime.timedelta(minutes=20)

_SYLLABLE_TEXT = (
    "lo rem ip sum do lor sit am et con sec te tur ad pis ci el it sed di non um ei mod tem "
    "por in vi dunt ut la bo re ma gna ali qua ven iam quis nos tru ex er ta tion ul lam co "
    "ris ni si quip mol es fu gi at nul pa ri cu pi da tat pro va ne ce sa ro mi no ka ze "
    "vo ru xa pe"
)
_SYLLABLES = _SYLLABLE_TEXT.split()


@lru_cache(maxsize=1)
def vocabulary():
    """About 4,000 made-up words, Zipf-like: a lookup table in which each word appears
    in proportion to its weight, so drawing a word is one uniform pick (fast).
    The same list for every seed."""
    rng = random.Random("synthetic-vocabulary")
    words = []
    seen = set()
    while len(words) < 4000:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
        if len(word) > 2 and word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1.0 / (rank + 8) for rank in range(len(words))]
    scale = 2**16 / sum(weights)
    table = []
    for word, weight in zip(words, weights, strict=True):
        table.extend([word] * max(1, round(weight * scale)))
    return tuple(table)


def words(rng, n):
    return rng.choices(vocabulary(), k=n)


def sentence(rng, n, citations=0, cite_rate=0.35):
    """One sentence of ``n`` words, perhaps citing one of ``citations`` footnotes."""
    ws = words(rng, n)
    ws[0] = ws[0].capitalize()
    text = " ".join(ws)
    if citations and rng.random() < cite_rate:
        text += f" [{rng.randint(1, citations)}]"
    return text + "."


def paragraph_text(rng, target, citations=0, cite_rate=0.35, paragraph_words=120):
    """About ``target`` words in sentences and paragraphs (Markdown).

    Draws all the words at once: the generator is a large part of seeding's time.
    """
    ws = words(rng, target)
    n_sentences = target // 7 + 1
    lengths = rng.choices(_SENTENCE_LENGTHS, k=n_sentences)
    rolls = [rng.random() < cite_rate for _ in range(n_sentences)] if citations else None
    marks = rng.choices(range(1, citations + 1), k=n_sentences) if citations else None
    paragraphs, current = [], []
    start = in_paragraph = i = 0
    while start < target:
        end = min(start + lengths[i], target)
        if target - end < 3:
            end = target
        text = " ".join(ws[start:end]).capitalize()
        if rolls and rolls[i]:
            text += f" [{marks[i]}]"
        current.append(text + ".")
        in_paragraph += end - start
        start = end
        i += 1
        if in_paragraph >= paragraph_words:
            paragraphs.append(" ".join(current))
            current, in_paragraph = [], 0
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


_SENTENCE_LENGTHS = tuple(range(7, 21))


def cited(rng, target, citations):
    """Text that certainly cites at least one footnote (rationales must)."""
    text = paragraph_text(rng, target, citations, cite_rate=0.3)
    return f"{text} {sentence(rng, 6)[:-1]} [{rng.randint(1, citations)}]."


@dataclass
class RatingPlan:
    country: int
    stage: int
    rationale: str


@dataclass
class EvidencePlan:
    stage: int
    country: int | None
    period: str
    text: str
    position: int


@dataclass
class RecommendationPlan:
    position: int
    addressee: str
    action: str


@dataclass
class CitationPlan:
    number: int
    source: int
    locator: str
    quote: str


@dataclass
class UpdatePlan:
    level: int
    addendum: str
    change_kind: str
    change_note: str
    new_rating: RatingPlan | None = None


@dataclass
class AlertPlan:
    index: int
    title: str
    slug: str
    level: int
    issued_on: datetime.date
    summary: str
    background: str
    legal_analysis: str
    assessment: str
    countries: list
    ratings: list
    evidence: list
    recommendations: list
    citations: list
    fate: str  # "published", "draft", "pending" or "withdrawn"
    updates: list = field(default_factory=list)
    withdrawal_reason: str = ""

    @property
    def slot_time(self):
        return EPOCH + self.index * SLOT


def alert_slug(index):
    return f"{SLUG_PREFIX}{index:06d}"


def country_name(number):
    return f"Synthetic country {number:03d}"


def country_slug(number):
    return f"{COUNTRY_SLUG_PREFIX}{number:03d}"


def country_region(number):
    return f"Synthetic region {(number - 1) % 12 + 1:02d}"


def source_fields(number):
    rng = random.Random(f"synthetic-source:{number}")
    published = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randint(0, 12000))
    return {
        "title": f"Synthetic source {number:05d}: {' '.join(words(rng, rng.randint(3, 8))).capitalize()}",
        "publisher": f"Synthetic publisher {rng.randint(1, 60):02d}",
        "url": f"{SOURCE_URL_PREFIX}{number:05d}",
        "published_on": published,
        "accessed_on": published + datetime.timedelta(days=rng.randint(0, 900)),
        "archive_url": (
            f"https://web.example.org/synthetic/{number:05d}" if rng.random() < 0.4 else ""
        ),
    }


def _weighted_distinct(rng, population, k, cum_weights):
    chosen = []
    while len(chosen) < k:
        pick = rng.choices(population, cum_weights=cum_weights, k=1)[0]
        if pick not in chosen:
            chosen.append(pick)
    return chosen


@lru_cache(maxsize=8)
def _country_weights(countries):
    # A few countries appear in many alerts (their pages are the heavy ones), most in few.
    return list(range(1, countries + 1)), list(
        accumulate(1.0 / (n + 4) for n in range(1, countries + 1))
    )


def make_plan(index, *, seed=1, countries=200, sources=2000):
    """The whole plan of synthetic alert ``index`` (1-based)."""
    rng = random.Random(f"synthetic-alert:{seed}:{index}")
    n_citations = rng.randint(16, 24)
    population, cum = _country_weights(countries)
    k = min(rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0], countries)
    alert_countries = sorted(_weighted_distinct(rng, population, k, cum))
    rated = list(alert_countries)
    if len(rated) >= 3 and rng.random() < 0.3:
        rated.pop(rng.randrange(len(rated)))  # spoken about, not rated

    # ~10 determinations spread over the rated countries, each country up to its highest stage.
    target = rng.randint(8, 12)
    share = [
        target // len(rated) + (1 if i < target % len(rated) else 0) for i in range(len(rated))
    ]
    ratings = []
    for country, n in zip(rated, share, strict=True):
        n = max(1, min(n, 10))
        highest = max(n, rng.choices(range(1, 11), weights=(1, 1, 2, 3, 4, 6, 7, 8, 6, 4))[0])
        stages = sorted({highest, *rng.sample(range(1, highest), n - 1)})
        for stage in stages:
            ratings.append(RatingPlan(country, stage, cited(rng, rng.randint(30, 50), n_citations)))

    evidence = []
    rated_stages = [r.stage for r in ratings]
    for position in range(1, rng.randint(8, 12) + 1):
        stage = rng.choice(rated_stages) if rng.random() < 0.7 else rng.randint(1, 10)
        country = rng.choice(alert_countries) if rng.random() < 0.8 else None
        period = "historical" if rng.random() < 0.3 else "current"
        text = paragraph_text(rng, rng.randint(20, 40), n_citations, cite_rate=0.5)
        evidence.append(EvidencePlan(stage, country, period, text, position))

    recommendations = [
        RecommendationPlan(
            position,
            f"Synthetic addressee {rng.randint(1, 40):02d}",
            paragraph_text(rng, rng.randint(10, 20), n_citations, cite_rate=0.4),
        )
        for position in range(1, rng.randint(6, 10) + 1)
    ]

    # Footnote 1 is usually one of a few much-cited sources (like the Genocide Convention).
    picked = [rng.randint(1, min(10, sources))] if rng.random() < 0.8 else []
    while len(picked) < min(n_citations, sources):
        number = rng.randint(1, sources)
        if number not in picked:
            picked.append(number)
    citations = [
        CitationPlan(
            number,
            source,
            rng.choice(("p. ", "para. ", "art. ", "section ")) + str(rng.randint(1, 300)),
            sentence(rng, rng.randint(8, 16)) if rng.random() < 0.2 else "",
        )
        for number, source in enumerate(picked, start=1)
    ]
    n_citations = len(citations)

    level = rng.choices((Level.WATCH, Level.WARNING, Level.EMERGENCY), weights=(45, 35, 20))[
        0
    ].value
    roll = rng.random()
    fate = (
        "draft"
        if roll < 0.02
        else "pending"
        if roll < 0.03
        else "withdrawn"
        if roll < 0.035
        else "published"
    )
    headline = " ".join(words(rng, rng.randint(3, 7))).capitalize()
    plan = AlertPlan(
        index=index,
        title=f"Synthetic alert {index:06d}: {headline}"[:200],
        slug=alert_slug(index),
        level=level,
        issued_on=(EPOCH + index * SLOT).date(),
        summary=paragraph_text(rng, rng.randint(50, 70), n_citations, cite_rate=0.3),
        background="### Synthetic background\n\n"
        + paragraph_text(rng, rng.randint(400, 560), n_citations),
        legal_analysis=paragraph_text(rng, rng.randint(250, 350), n_citations),
        assessment=paragraph_text(rng, rng.randint(250, 350), n_citations),
        countries=alert_countries,
        ratings=ratings,
        evidence=evidence,
        recommendations=recommendations,
        citations=citations,
        fate=fate,
    )
    if fate in ("published", "withdrawn"):
        n_updates = rng.choices((0, 1, 2), weights=(65, 25, 10))[0]
        current_level = level
        for number in range(1, n_updates + 1):
            if current_level < Level.EMERGENCY and rng.random() < 0.25:
                current_level += 1
            new_rating = None
            if rng.random() < 0.3:
                country = rng.choice(rated)
                have = {r.stage for r in plan.ratings if r.country == country}
                for u in plan.updates:
                    if u.new_rating and u.new_rating.country == country:
                        have.add(u.new_rating.stage)
                higher = list(range(max(have) + 1, 11))
                if higher:
                    stage = rng.choice(higher)
                    new_rating = RatingPlan(country, stage, cited(rng, 30, n_citations))
            kind = ChangeKind.CORRECTION if rng.random() < 0.2 else ChangeKind.UPDATE
            plan.updates.append(
                UpdatePlan(
                    level=current_level,
                    addendum=f"\n\n### Synthetic update {number}\n\n"
                    + paragraph_text(rng, rng.randint(40, 80), n_citations),
                    change_kind=kind.value,
                    change_note=f"Synthetic {kind.label.lower()} {number}: {sentence(rng, 12)}",
                    new_rating=new_rating,
                )
            )
    if fate == "withdrawn":
        plan.withdrawal_reason = f"Synthetic withdrawal: {sentence(rng, 14)}"
    return plan


def word_count(plan):
    texts = [plan.summary, plan.background, plan.legal_analysis, plan.assessment]
    texts += [r.rationale for r in plan.ratings]
    texts += [e.text for e in plan.evidence]
    texts += [r.action for r in plan.recommendations]
    return sum(len(t.split()) for t in texts)
