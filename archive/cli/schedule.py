"""Run `newsarchive crawl` on an interval in the foreground, one run at a time (`newsarchive schedule`)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from time import monotonic
from typing import Sequence


logger = logging.getLogger(__name__)

# The crawl runs as `python -m archive.cli crawl ...`: a Scrapy reactor cannot start twice in one process.
CRAWL_COMMAND = (sys.executable, "-m", "archive.cli")


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """What a schedule did before it stopped: runs started and how many exited non-zero."""

    runs: int
    failed: int
    stopped_by_signal: bool


class Scheduler:
    """Start a crawl every ``every`` seconds, from the start of the previous one.

    A crawl still running when the next is due is never overlapped: the next starts when it ends
    (the missed start is logged). SIGTERM or SIGINT stops the schedule: a running crawl gets the
    signal too, stops gracefully and records its run as interrupted; no new crawl starts.
    """

    def __init__(self, crawl_args: Sequence[str], every: float, *, runs: int | None = None,
                 command: Sequence[str] = CRAWL_COMMAND) -> None:
        self.crawl_args = list(crawl_args)
        self.every = every
        self.max_runs = runs
        self.command = list(command)
        self._stop = threading.Event()
        self._child: subprocess.Popen | None = None
        self._signalled = False

    def run(self) -> ScheduleResult:
        """Run until stopped by a signal, or until ``runs`` crawls have run."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        started = failed = 0
        try:
            while not self._stop.is_set():
                began = monotonic()
                started += 1
                code = self._crawl(started)
                failed += code != 0
                if self.max_runs is not None and started >= self.max_runs:
                    break
                self._wait_until(began + self.every, started)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return ScheduleResult(started, failed, self._signalled)

    def _crawl(self, number: int) -> int:
        argv = [*self.command, "crawl", *self.crawl_args]
        logger.info("scheduled run %d: starting the crawl", number)
        # A session of its own: a terminal's Ctrl-C reaches the crawl once, forwarded by us.
        self._child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = self._child.wait()
        finally:
            self._child = None
        if code == 0:
            logger.info("scheduled run %d finished", number)
        else:
            logger.warning("scheduled run %d failed (exit %d); the schedule goes on", number, code)
        return code

    def _wait_until(self, due: float, number: int) -> None:
        late = monotonic() - due
        if late >= 0:
            logger.warning("run %d took longer than the %.0f s interval: the next run starts now, %.0f s late",
                           number, self.every, late)
            return
        logger.info("next run in %.0f s", due - monotonic())
        self._stop.wait(due - monotonic())

    def _on_signal(self, signum: int, _frame: object) -> None:
        logger.info("%s received: stopping the schedule after the current crawl", signal.Signals(signum).name)
        self._signalled = True
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signum)
