"""Concurrent ingest scenarios: worker processes released together through a Barrier, and the archive checks."""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, func, select

from archive import Archive, Article
from archive.storage.index import Banding
from archive.config import ArchiveConfig
from archive.storage.models import Article as ArticleRow
from archive.storage.models import Cluster, LshBand
from archive.storage import placement, store
from textgen import paragraph, story

BARRIER_TIMEOUT = 120.0          # seconds a worker waits for the others before giving up
DAY0 = datetime(2024, 5, 1, 9, tzinfo=timezone.utc)


def copies_of(group: int, copies: int, seed: int = 0) -> list[Article]:
    """Story ``group`` as published on ``site0.test`` and republished on ``site1..`` with edits: a new
    headline, the last paragraph cut, an editor's note added (the original is published first)."""
    paras = story(seed * 100_003 + group)
    rng = random.Random(f"{seed}-{group}-notes")
    pages = [Article(url=f"http://site0.test/news/{group}", text="\n".join(paras), title=f"Story {group}",
                     sitename="Site 0", published=DAY0)]
    for k in range(1, copies):
        edit = k % 3
        if edit == 1:
            body, title = paras, f"A new headline for story {group}"
        elif edit == 2:
            body, title = paras[:-1], f"Story {group}"
        else:
            body, title = [paragraph(rng, 14)] + paras + [paragraph(rng, 12)], f"Story {group}, republished"
        pages.append(Article(url=f"http://site{k}.test/{group}/copy", text="\n".join(body), title=title,
                             sitename=f"Site {k}", published=DAY0 + timedelta(days=k)))
    return pages


def groups_of(groups: int, copies: int, seed: int = 0) -> list[list[Article]]:
    return [copies_of(g, copies, seed) for g in range(groups)]


def with_site_chrome(groups: list[list[Article]]) -> list[list[Article]]:
    """The same pages wrapped in their site's template lines, which the archive learns as chrome
    while it ingests (and then cleans and re-places the pages it archived before)."""
    def wrap(page: Article) -> Article:
        host = page.url.split("/")[2]
        head = [f"Share this story from {host}", "Grey Facebook Icon"]
        tail = [f"About {host}: a newsroom that reports on the towns and villages of the valley every "
                "day of the week, with reporters in every district."]
        return replace(page, text="\n".join(head + page.text.split("\n") + tail))
    return [[wrap(p) for p in pages] for pages in groups]


def distinct_pages(count: int, seed: int = 1) -> list[list[Article]]:
    """``count`` unrelated stories on 8 sites, one page per group (a non-colliding workload)."""
    return [[Article(url=f"http://wire{i % 8}.test/s/{seed}/{i}", text="\n".join(story(seed * 1_000_003 + i)),
                     title=f"Story {i}", sitename=f"Wire {i % 8}", published=DAY0)] for i in range(count)]


def bridge_pages(seed: int) -> tuple[Article, Article, Article]:
    """A and B are different stories; C carries both (their paragraphs interleaved), so it is similar
    to each and joins their clusters into one."""
    a, b = story(seed, 6), story(seed + 1, 6)
    c = [p for pair in zip(a, b) for p in pair]
    return tuple(Article(url=f"http://{s}.test/{seed}", text="\n".join(t), sitename=s.upper())
                 for s, t in (("a", a), ("b", b), ("c", c)))


def bridge_scenarios(seed: int = 0) -> tuple[list[list[Article]], list[list[list[Article]]]]:
    """Two bridges, as (groups, plan for 3 workers). First: C at the same moment as A and B.
    Second: A, then B, then F (B's paragraphs and others, interleaved) joins B; then C bridges A's
    and B's clusters while E (F's other paragraphs) joins through F: E and C share no text, so no
    lock either, and E may wait for the row of the cluster C is merging away."""
    first, second = 600 + 10 * seed, 100_600 + 10 * seed
    a, b, c = bridge_pages(first)
    a2, b2, c2 = bridge_pages(second)
    extra = story(second + 2, 6)
    f_text = [p for pair in zip(b2.text.split("\n"), extra) for p in pair]
    f = Article(url=f"http://f.test/{second}", text="\n".join(f_text), sitename="F")
    e = Article(url=f"http://e.test/{second}", text="\n".join(extra), sitename="E")
    plan = [[[a], [a2], [], [], [c2]], [[b], [], [b2], [f], [e]], [[c], [], [], [], []]]
    return [[a, b, c], [a2, b2, c2, f, e]], plan


def schedule(groups: list[list[Article]], workers: int, rng: random.Random) -> list[list[list[Article]]]:
    """Per worker, per step: the pages it ingests once every worker reached the step's barrier.
    Groups come in a shuffled order; each group's copies are shuffled and dealt round-robin."""
    order = list(range(len(groups)))
    rng.shuffle(order)
    plan: list[list[list[Article]]] = [[] for _ in range(workers)]
    for g in order:
        pages = list(groups[g])
        rng.shuffle(pages)
        for w in range(workers):
            plan[w].append(pages[w::workers])
    return plan


@dataclass(frozen=True, slots=True)
class WorkerReport:
    """What one worker process did: ingest statuses, errors (one line each), seconds after release."""

    index: int
    statuses: Counter = field(default_factory=Counter)
    errors: tuple[str, ...] = ()
    seconds: float = 0.0


def _serve(index: int, barrier, jobs, results) -> None:  # noqa: ANN001 - multiprocessing objects
    """A pool worker: run jobs until it receives None."""
    while (job := jobs.get()) is not None:
        results.put(_run_job(index, barrier, *job))


def _run_job(index: int, barrier, url: str, plan: list[list[Article]], locks: bool,  # noqa: ANN001
             config: ArchiveConfig | None) -> WorkerReport:
    # The control run takes no advisory locks: placement's lock_keys is replaced in this worker
    # process only (shipped code has no switch for it).
    placement.lock_keys = store.lock_keys if locks else _no_locks
    statuses: Counter = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    archive = None
    try:
        if any(plan):                              # an idle worker only keeps step with the others
            archive = Archive(url, config)
        barrier.wait(BARRIER_TIMEOUT)              # everyone opened the archive
        started = time.perf_counter()
        for step in plan:
            barrier.wait(BARRIER_TIMEOUT)
            for page in step:
                try:
                    statuses[archive.ingest_article(page).status.value] += 1
                except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the run
                    errors.append(f"{page.url}: {_line(exc)}")
    except Exception as exc:  # noqa: BLE001
        barrier.abort()
        errors.append(f"worker {index}: {_line(exc)}")
    finally:
        if archive is not None:
            archive.close()
    return WorkerReport(index, statuses, tuple(errors), time.perf_counter() - started)


def _no_locks(session, keys) -> None:  # noqa: ANN001 - store.lock_keys' signature
    """lock_keys for the control run: no lock taken."""


def _line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:300]}"


class WorkerPool:
    """``size`` spawned worker processes, kept for many runs (importing the archive is the slow part).
    Each run gives every worker a plan: per step, the pages it ingests once all reached the step."""

    def __init__(self, size: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.size = size
        self._barrier = ctx.Barrier(size)
        self._jobs = [ctx.Queue() for _ in range(size)]
        self._results = ctx.Queue()
        self._procs = [ctx.Process(target=_serve, args=(i, self._barrier, self._jobs[i], self._results), daemon=True)
                       for i in range(size)]
        for proc in self._procs:
            proc.start()

    def run(self, url: str, plan: list[list[list[Article]]], *, locks: bool = True, per_step_barrier: bool = True,
            config: ArchiveConfig | None = None, timeout: float = 300.0) -> list[WorkerReport]:
        """Run ``plan`` (one entry per worker, at most ``size``) against ``url``; the reports by worker.
        Without ``per_step_barrier`` each worker's steps are flattened into one (a throughput run)."""
        if len(plan) > self.size:
            raise ValueError(f"{len(plan)} workers planned, the pool has {self.size}")
        if not per_step_barrier:
            plan = [[[page for step in steps for page in step]] for steps in plan]
        steps = max(len(p) for p in plan)
        plan = [p + [[]] * (steps - len(p)) for p in plan] + [[[]] * steps] * (self.size - len(plan))
        self._barrier.reset()
        for queue, steps_of_worker in zip(self._jobs, plan):
            queue.put((url, steps_of_worker, locks, config))
        deadline = time.monotonic() + timeout
        reports = [self._results.get(timeout=max(1.0, deadline - time.monotonic())) for _ in range(self.size)]
        return sorted(reports, key=lambda r: r.index)

    def close(self) -> None:
        for queue in self._jobs:
            queue.put(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_workers(url: str, plan: list[list[list[Article]]], **kwargs) -> list[WorkerReport]:  # noqa: ANN003
    """One run with a pool of its own (see :meth:`WorkerPool.run`)."""
    with WorkerPool(len(plan)) as pool:
        return pool.run(url, plan, **kwargs)


def ingest_serially(url: str, groups: list[list[Article]], config: ArchiveConfig | None = None) -> None:
    with Archive(url, config) as archive:
        for pages in groups:
            for page in pages:
                archive.ingest_article(page)


@dataclass(frozen=True, slots=True)
class ArchiveCheck:
    """The archive's state after a run, compared with the groups that went in."""

    clusters: int                     # live clusters with members
    split_groups: int                 # groups whose pages ended in more than one cluster
    mixed_clusters: int               # clusters holding pages of more than one group
    articles: int
    duplicate_url_keys: int
    missing_pages: int
    articles_without_bands: int       # articles with fewer or more than b band rows
    clusters_without_one_canonical: int
    canonicals: dict[int, str]        # group -> canonical URL (groups in one cluster only)

    def problems(self, groups: int) -> list[str]:
        """Each way this archive differs from one serial process's, as a sentence."""
        out = []
        if self.clusters != groups:
            out.append(f"{self.clusters} clusters, expected {groups}")
        for name in ("split_groups", "mixed_clusters", "duplicate_url_keys", "missing_pages",
                     "articles_without_bands", "clusters_without_one_canonical"):
            if getattr(self, name):
                out.append(f"{name}={getattr(self, name)}")
        return out


def check_archive(url: str, groups: list[list[Article]], config: ArchiveConfig | None = None) -> ArchiveCheck:
    from archive.extraction.urls import url_key

    b = Banding((config or ArchiveConfig()).fingerprint).b
    group_of = {url_key(p.url): g for g, pages in enumerate(groups) for p in pages}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ArticleRow.id, ArticleRow.url_key, ArticleRow.url, ArticleRow.cluster_id,
                                       ArticleRow.role)).all()
            bands = dict(conn.execute(select(LshBand.article_id, func.count()).group_by(LshBand.article_id)).all())
            live = dict(conn.execute(select(Cluster.id, Cluster.canonical_id)
                                     .where(Cluster.merged_into.is_(None), Cluster.size > 0)).all())
    finally:
        engine.dispose()
    members: dict[int, list] = defaultdict(list)
    for row in rows:
        members[row.cluster_id].append(row)
    clusters_of_group: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        clusters_of_group[group_of.get(row.url_key, -1)].add(row.cluster_id)
    mixed = sum(1 for ms in members.values() if len({group_of.get(m.url_key, -1) for m in ms}) > 1)
    bad_canon = 0
    for cid, ms in members.items():
        canon = [m for m in ms if m.role == "canonical"]
        if cid not in live or len(canon) != 1 or live[cid] != canon[0].id:
            bad_canon += 1
    canonicals = {}
    for g, cids in clusters_of_group.items():
        if len(cids) == 1:
            canon = [m.url for m in members[next(iter(cids))] if m.role == "canonical"]
            canonicals[g] = canon[0] if len(canon) == 1 else None
    keys = Counter(r.url_key for r in rows)
    return ArchiveCheck(
        clusters=len(live), split_groups=sum(1 for g, c in clusters_of_group.items() if g >= 0 and len(c) > 1),
        mixed_clusters=mixed, articles=len(rows), duplicate_url_keys=sum(1 for n in keys.values() if n > 1),
        missing_pages=len(set(group_of) - set(keys)),
        articles_without_bands=sum(1 for r in rows if bands.get(r.id, 0) != b),
        clusters_without_one_canonical=bad_canon, canonicals=canonicals)
