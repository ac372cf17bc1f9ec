"""Score an archive's export rows against a generated web's ground truth, per web and per variety.

The figures follow the shared news webs' scorer (its definitions, re-implemented here):
discovery recall (original, mirror and singleton pages archived / all), junk rate (rows that are
not article pages), pairwise F1 over archived non-excerpt articles (same cluster id vs same true
story), canonical accuracy (true stories with two or more archived members whose original was
archived: the original is the only canonical member), extraction F1 of originals (4-gram token
shingles, macro precision and recall per page) and chrome leakage (mirror and singleton pages
whose extracted text holds an injected chrome line of two words and ten characters or more).
One figure the shared scorer lacks: date accuracy, the archived original, mirror and singleton
pages whose exported ``published`` falls on the true publication day (UTC).

Each figure is also broken down by the generator's varieties (``TruthArticle.varieties``): a
story counts for every variety its original carries and, prefixed ``copy:``, every variety one of
its archived copies carries.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    from archive.demo.model import Truth, TruthArticle

TARGETS = ("original", "mirror", "singleton")
METRICS = ("discovery_recall", "pairwise_f1", "canonical_accuracy", "extraction_f1", "chrome_leakage", "junk_rate",
           "date_accuracy")
_TOKEN = re.compile(r"\w+", re.UNICODE)


def norm_url(url: str) -> str:
    """Scheme and host lowercased, loopback ports and fragments dropped, utm_* dropped, query sorted,
    trailing slash dropped."""
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    netloc = host if host.startswith("127.") or not parts.port else f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", unquote(parts.path or "/"))
    path = path.rstrip("/") or "/" if len(path) > 1 else path
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_"))
    return f"{(parts.scheme or 'http').lower()}://{netloc}{path}" + (f"?{urlencode(query)}" if query else "")


def norm_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2013: "-", 0x2014: "-", 0xA0: " "})
    return " ".join(text.split())


def shingle_match(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) shares of the two texts' 4-gram token shingles (multiset)."""
    def grams(text: str) -> Counter:
        tokens = _TOKEN.findall(text or "")
        return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])
    t, p = grams(true), grams(pred)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in p)
    fn = sum(max(0, t[k] - p[k]) for k in t)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def extraction_f1(matches: list[tuple[float, float, float]]) -> float | None:
    """Macro precision and recall over pages, then their F1 (None without pages)."""
    if not matches:
        return None
    ps = [1.0 if fp == fn == 0 else tp / (tp + fp) if tp + fp else 0.0 for tp, fp, fn in matches if tp + fp > 0]
    rs = [1.0 if fp == fn == 0 else tp / (tp + fn) if tp + fn else 0.0 for tp, fp, fn in matches if tp + fn > 0]
    p, r = (statistics.mean(ps) if ps else 0.0), (statistics.mean(rs) if rs else 0.0)
    return 2 * p * r / (p + r) if p + r else 0.0


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class WebScore:
    """One web's figures, its per-variety tallies and what went wrong where."""

    figures: dict[str, Any]
    by_variety: dict[str, Counter] = field(default_factory=dict)
    wrong_canonicals: list[dict[str, Any]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    misdated: list[str] = field(default_factory=list)


def match_rows(truth: Truth, rows: list[dict[str, Any]]) -> tuple[dict[int, dict[str, Any]], int]:
    """Truth article index -> its first export row (an original also matches through its declared
    canonical or its AMP copy), and the number of rows that are no article page."""
    lookup: dict[str, int] = {norm_url(a.url): i for i, a in enumerate(truth.articles)}
    for i, a in enumerate(truth.articles):
        if a.role == "original" and a.canonical_url:
            lookup.setdefault(norm_url(a.canonical_url), i)
    for amp, url in truth.alternates.items():
        if norm_url(url) in lookup:
            lookup.setdefault(norm_url(amp), lookup[norm_url(url)])
    archived: dict[int, dict[str, Any]] = {}
    junk = 0
    for row in rows:
        index = lookup.get(norm_url(row["url"]))
        if index is None:
            junk += 1
        else:
            archived.setdefault(index, row)
    return archived, junk


def pairwise_f1(pred: dict[int, Any], true: dict[int, str]) -> float | None:
    """Pairwise F1 of a predicted clustering against the true one over the same items."""
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    both = Counter((pred[i], true[i]) for i in pred)
    tp = sum(pairs(n) for n in both.values())
    predicted = sum(pairs(n) for n in Counter(pred.values()).values())
    real = sum(pairs(n) for n in Counter(true.values()).values())
    return _f1(tp / predicted if predicted else None, tp / real if real else None)


def _canonical(arts: tuple[TruthArticle, ...], archived: dict[int, dict], members: list[int]) -> bool | None:
    """Is the story's original its only canonical member? None when the original was not archived."""
    originals = [i for i in members if arts[i].role == "original"]
    if len(members) < 2 or not originals:
        return None
    o = originals[0]
    return bool(archived[o].get("is_canonical")) and not any(archived[j].get("is_canonical") for j in members if j != o)


def same_day(exported: str | None, true: str) -> bool:
    """Does an exported ISO date fall on the true date's day (UTC)?"""
    if not exported:
        return False
    try:
        moment = datetime.fromisoformat(exported)
    except ValueError:
        return False
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.date() == datetime.fromisoformat(true).astimezone(UTC).date()


def story_varieties(arts: tuple[TruthArticle, ...], members: list[int]) -> list[str]:
    """A story's varieties: its original's as they are, its copies' prefixed ``copy:`` (a copy's
    template, credit and cut say nothing about the original's page)."""
    out = set()
    for i in members:
        prefix = "" if arts[i].role == "original" else "copy:"
        out.update(prefix + v for v in arts[i].varieties if not (prefix and v.startswith("language:")))
    return sorted(out)


def _leaks(article: TruthArticle, text: str) -> list[str]:
    own = norm_text(article.text + "\n" + article.title)
    lines = [norm_text(line) for line in dict.fromkeys(article.chrome)]
    lines = [line for line in lines if len(line) >= 10 and len(line.split()) >= 2 and line not in own]
    found = norm_text(text)
    return [line for line in lines if re.search(r"(?<!\w)" + re.escape(line) + r"(?!\w)", found)]


def score_web(truth: Truth, rows: list[dict[str, Any]]) -> WebScore:
    """Every figure of one web, with per-variety tallies."""
    arts = truth.articles
    archived, junk = match_rows(truth, rows)
    out = WebScore({})
    tally = defaultdict(Counter)
    targets = [i for i, a in enumerate(arts) if a.role in TARGETS]
    dated = [same_day(archived[i].get("published"), arts[i].published) for i in targets if i in archived]
    out.misdated = [f"{arts[i].url}: {archived[i].get('published')} (true {arts[i].published})" for i in targets
                    if i in archived and not same_day(archived[i].get("published"), arts[i].published)]
    for i in targets:
        for v in arts[i].varieties:
            tally[v]["pages"] += 1
            tally[v]["found"] += i in archived
            tally[v]["dated"] += i in archived
            tally[v]["date_ok"] += i in archived and same_day(archived[i].get("published"), arts[i].published)
    out.missed = [arts[i].url for i in targets if i not in archived]
    kept = [i for i in archived if arts[i].role != "excerpt"]
    pred = {i: archived[i].get("cluster_id") or f"none:{i}" for i in kept}
    stories: dict[str, list[int]] = defaultdict(list)
    for i in kept:
        stories[arts[i].story].append(i)
    right = known = 0
    for story, members in stories.items():
        verdict = _canonical(arts, archived, members)
        if verdict is None:
            continue
        known, right = known + 1, right + verdict
        varieties = story_varieties(arts, members)
        for v in varieties:
            tally[v]["stories"] += 1
            tally[v]["canonical_ok"] += verdict
        if not verdict:
            out.wrong_canonicals.append(_wrong(arts, archived, members, varieties))
    out.figures = {
        "discovery_recall": sum(i in archived for i in targets) / len(targets) if targets else None,
        "junk_rate": junk / len(rows) if rows else 0.0,
        "pairwise_f1": pairwise_f1(pred, {i: arts[i].story for i in kept}),
        "canonical_accuracy": right / known if known else None,
        "date_accuracy": sum(dated) / len(dated) if dated else None,
        **_extraction_and_leaks(arts, archived, tally, out),
    }
    out.by_variety = dict(tally)
    return out


def _extraction_and_leaks(arts: tuple[TruthArticle, ...], archived: dict[int, dict], tally: dict[str, Counter],
                          out: WebScore) -> dict[str, float | None]:
    matches, leak_pages, checked = [], 0, 0
    for i, row in archived.items():
        article, text = arts[i], str(row.get("text") or "")
        if article.role == "original":
            match = shingle_match(article.text, text)
            matches.append(match)
            page_f1 = extraction_f1([match]) or 0.0
            for v in article.varieties:
                tally[v]["extracted"] += 1
                tally[v]["extraction_f1_sum"] += page_f1
        if article.role in ("mirror", "singleton") and article.chrome:
            checked += 1
            if _leaks(article, text):
                leak_pages += 1
                out.leaks.append(f"{article.url}: {'; '.join(_leaks(article, text))[:120]}")
    return {"extraction_f1": extraction_f1(matches), "chrome_leakage": leak_pages / checked if checked else None}


def _wrong(arts: tuple[TruthArticle, ...], archived: dict[int, dict], members: list[int],
           varieties: list[str]) -> dict[str, Any]:
    """What a story with a wrong canonical looked like: the original, who was chosen, its varieties."""
    original = next(arts[i] for i in members if arts[i].role == "original")
    chosen = [arts[i].url for i in members if archived[i].get("is_canonical")]
    return {"original": original.url, "chosen": chosen, "members": len(members), "varieties": varieties}
