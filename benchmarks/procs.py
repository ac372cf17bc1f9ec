"""Helpers shared by the benchmarks: medians, resident memory of a process tree, Scrapy log parsing."""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_LOGSTATS = re.compile(r"Crawled (\d+) pages \(at [\d.]+ pages/min\)")
_SUMMARY = re.compile(r"(\d+) pages fetched")


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by nearest rank.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)
    9
    """
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def logstats_pages(line: str) -> int | None:
    """The page count of a Scrapy LogStats line ("Crawled 120 pages (at 60 pages/min) ..."), else None."""
    match = _LOGSTATS.search(line)
    return int(match[1]) if match else None


def summary_pages(text: str) -> int | None:
    """Pages fetched, from ``newsarchive crawl``'s closing summary line."""
    found = _SUMMARY.findall(text)
    return int(found[-1]) if found else None


def rss_kib(pid: int) -> int:
    """Resident set size of one process in KiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB: shared pages divided among the processes that
    map them, so a tree's sum is the memory it really holds (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Process ids under ``pid`` (children, grandchildren ...), from /proc.

    Reads ``/proc/PID/task/TID/children`` of the tree only (a few small files) where the kernel
    has it, else scans every ``/proc/N/stat``: the sampler runs beside the crawl it measures, so
    it must cost next to nothing."""
    out: list[int] = []
    todo = [pid]
    while todo:
        children = _children(todo.pop())
        if children is None:
            return _descendants_by_scan(pid)
        out.extend(children)
        todo.extend(children)
    return out


def _children(pid: int) -> list[int] | None:
    """Direct children of ``pid`` (None where the kernel does not list them)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
        except FileNotFoundError:
            if tid == str(pid):
                return None          # no children files on this kernel
        except (OSError, ValueError):
            continue
    return found


def _descendants_by_scan(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@dataclass
class Watched:
    """What a watched subprocess did: exit code, output, seconds, peak RSS and RSS by page count."""

    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    peak_main_kib: int = 0
    peak_tree_kib: int = 0
    peak_tree_pss_kib: int = 0          # the tree's proportional set size: shared pages counted once
    cpu_seconds: float = 0.0            # user + system CPU of the process and every child it waited for
    rss_by_pages: list[tuple[int, int, int]] = field(default_factory=list)   # (pages, main KiB, tree KiB)


def run_watched(cmd: list[str], *, env: dict[str, str] | None = None, interval: float = 1.0) -> Watched:
    """Run ``cmd``, sampling its memory (and its children's) every ``interval`` seconds and at
    every Scrapy LogStats line on stderr."""
    result = Watched()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err_lines: list[str] = []
    lock = threading.Lock()

    def sample() -> tuple[int, int]:
        main = rss_kib(proc.pid)
        children = descendants(proc.pid)
        tree = main + sum(rss_kib(p) for p in children)
        pss = sum(pss_kib(p) for p in (proc.pid, *children))
        with lock:
            result.peak_main_kib = max(result.peak_main_kib, main)
            result.peak_tree_kib = max(result.peak_tree_kib, tree)
            result.peak_tree_pss_kib = max(result.peak_tree_pss_kib, pss)
        return main, tree

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line)
            pages = logstats_pages(line)
            if pages:
                main, tree = sample()
                result.rss_by_pages.append((pages, main, tree))

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    while proc.poll() is None:
        sample()
        time.sleep(interval)
    reader.join(timeout=10)
    result.seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result.returncode = proc.returncode
    result.stdout = proc.stdout.read() if proc.stdout else ""
    result.stderr = "".join(err_lines)
    return result
