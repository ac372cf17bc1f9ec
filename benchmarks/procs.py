"""Helpers shared by the benchmarks: medians, resident memory and CPU of a process tree, Scrapy log parsing."""

from __future__ import annotations

import ctypes
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_LOGSTATS = re.compile(r"Crawled (\d+) pages \(at [\d.]+ pages/min\)")
_SUMMARY = re.compile(r"(\d+) pages fetched")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
    return _kib_field(f"/proc/{pid}/status", "VmRSS:")


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB: shared pages divided among the processes that
    map them, so a tree's sum is the memory it really holds (0 when it is gone)."""
    return _kib_field(f"/proc/{pid}/smaps_rollup", "Pss:")


def _kib_field(path: str, name: str) -> int:
    """The KiB of the line starting with ``name`` in a /proc file (0 when it is unreadable)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
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


def cpu_times(pid: int) -> tuple[float, float] | None:
    """CPU seconds of one process from /proc/PID/stat: (its own user + system time, that of the
    children it has waited for, theirs included); None when it is gone. A zombie still has both."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()     # fields[0] is field 3 (state): utime is field 14
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


def is_pool_worker(pid: int) -> bool:
    """Whether ``pid`` is an extraction worker: a multiprocessing worker started by spawn, or one
    forked by the pool's fork server (whose parent is that server); not a helper such as the fork
    server itself or multiprocessing's resource tracker."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"multiprocessing.spawn" in command:
            return True
        if b"multiprocessing.forkserver" not in command:
            return False
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        return b"multiprocessing.forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return False


def _become_subreaper() -> None:
    """Have the processes of a watched tree that lose their parent (the pool's fork server when the
    crawl exits, and any worker it had not reaped yet) reparented to this process, so that
    ``_reap`` waits for them and their CPU reaches RUSAGE_CHILDREN (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1)      # 36: PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass


def _reap(pids: set[int], timeout: float = 30.0) -> None:
    """Wait for the processes ``pids`` of a watched tree that were reparented to this process (see
    ``_become_subreaper``); those that are gone or belong to another parent are left alone. A
    process still waited for by a parent of its own may become ours when that parent exits."""
    pending, deadline = set(pids), time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    pending.discard(pid)
            except ChildProcessError:
                if not Path(f"/proc/{pid}").exists():
                    pending.discard(pid)
        if pending:
            time.sleep(0.05)
    while True:     # any other orphan of the tree that exited unsampled
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


@dataclass
class Watched:
    """What a watched subprocess did: exit code, output, seconds, peak RSS and RSS by page count,
    and its CPU split between the process itself and the processes it started."""

    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    peak_main_kib: int = 0
    peak_tree_kib: int = 0
    peak_tree_pss_kib: int = 0          # the tree's proportional set size: shared pages counted once
    cpu_seconds: float = 0.0            # user + system CPU of the process and every child it waited for
    main_cpu_seconds: float = 0.0       # the process's own (all its threads), read when it has exited
    children_cpu_seconds: float = 0.0   # its children's, exited ones included (see _children_cpu)
    main_start_cpu_seconds: float = 0.0 # the process's own at its first Scrapy LogStats line (start-up)
    start_seconds: float = 0.0          # seconds from the start to that line (0: there was none)
    watcher_cpu_seconds: float = 0.0    # this process's own CPU meanwhile (a server in it, the sampler)
    workers_seen: int = 0               # distinct pool worker processes sampled under it
    rss_by_pages: list[tuple[int, int, int]] = field(default_factory=list)   # (pages, main KiB, tree KiB)


class _ChildCpu:
    """The last CPU seen of each process under the watched one, sampled: the fallback for children
    that exited without being waited for (their CPU then reaches no parent's accounting)."""

    def __init__(self) -> None:
        self.last: dict[int, float] = {}
        self.workers: set[int] = set()

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            times = cpu_times(pid)
            if times is None:
                continue
            if pid not in self.last and is_pool_worker(pid):
                self.workers.add(pid)
            self.last[pid] = max(self.last.get(pid, 0.0), times[0])

    @property
    def total(self) -> float:
        return sum(self.last.values())


def _wait_exited(pid: int) -> None:
    """Block until child ``pid`` has exited, leaving it a zombie (not reaped): its /proc entry
    still holds its final CPU times."""
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    except ChildProcessError:
        pass


def run_watched(cmd: list[str], *, env: dict[str, str] | None = None, interval: float = 1.0) -> Watched:
    """Run ``cmd``, sampling its memory (and its children's) every ``interval`` seconds and at
    every Scrapy LogStats line on stderr, and measure its CPU: its own, and its children's.

    The process's own CPU and that of the children it waited for are read from its /proc entry
    once it has exited but before it is reaped; the whole tree's from wait accounting
    (RUSAGE_CHILDREN) after, the orphaned fork server and its workers reaped here first. Children it did not wait for count with their last sampled CPU."""
    result = Watched()
    _become_subreaper()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = time.process_time()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    err_lines: list[str] = []
    lock = threading.Lock()
    children = _ChildCpu()
    done = threading.Event()

    def sample() -> tuple[int, int]:
        main = rss_kib(proc.pid)
        below = descendants(proc.pid)
        tree = main + sum(rss_kib(p) for p in below)
        pss = sum(pss_kib(p) for p in (proc.pid, *below))
        with lock:
            result.peak_main_kib = max(result.peak_main_kib, main)
            result.peak_tree_kib = max(result.peak_tree_kib, tree)
            result.peak_tree_pss_kib = max(result.peak_tree_pss_kib, pss)
            children.sample(below)
        return main, tree

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line)
            pages = logstats_pages(line)
            if pages is not None and not result.start_seconds:     # the spider opened
                result.start_seconds = time.perf_counter() - started
                result.main_start_cpu_seconds = (cpu_times(proc.pid) or (0.0, 0.0))[0]
            if pages and not done.is_set():
                main, tree = sample()
                result.rss_by_pages.append((pages, main, tree))

    def sampler() -> None:
        while not done.wait(interval):
            sample()

    threads = [threading.Thread(target=read_stderr, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for thread in threads:
        thread.start()
    _wait_exited(proc.pid)
    result.seconds = time.perf_counter() - started
    done.set()
    final = cpu_times(proc.pid)
    proc.wait()
    for thread in threads:
        thread.join(timeout=10)
    _reap(set(children.last))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result.watcher_cpu_seconds = time.process_time() - self_before
    _split_cpu(result, final, children)
    result.returncode = proc.returncode
    result.stdout = proc.stdout.read() if proc.stdout else ""
    result.stderr = "".join(err_lines)
    return result


def _split_cpu(result: Watched, final: tuple[float, float] | None, children: _ChildCpu) -> None:
    """The watched process's own CPU and its children's. Its own is what /proc said at its exit (or,
    where that could not be read, the tree's less the sampled children); its children's the larger
    of its wait accounting (exact, exited workers included) and their sampled CPU."""
    with_children = max(result.cpu_seconds, children.total)
    if final is None:
        result.main_cpu_seconds = max(0.0, with_children - children.total)
        result.children_cpu_seconds = children.total
    else:
        result.main_cpu_seconds = final[0]
        result.children_cpu_seconds = max(final[1], result.cpu_seconds - final[0], children.total)
    result.cpu_seconds = result.main_cpu_seconds + result.children_cpu_seconds
    result.workers_seen = len(children.workers)
