"""Tokenise and match many transcripts (and predict with a learned model), in worker
processes when the work is large.

A job is one transcript with the rules whose stored matches are stale, and its cached token
table when there is one. Workers are pure computation (no database): each returns the
token table it had to make (to cache) and the passages it found, encoded for the match cache.
The parent keeps the one database connection and saves what comes back, in job order.

Workers are forked on Linux, so they share the parent's loaded spaCy pipelines; elsewhere
they are spawned. `QUALCODE_WORKERS` sets how many (1: everything in this process).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import QualcodeError

if TYPE_CHECKING:
    from .cache import TranscriptText
    from .matching import CodeRules

A = TypeVar("A")
R = TypeVar("R")

# Below this much text, starting worker processes costs more than it saves.
MIN_PARALLEL_CHARS = 400_000
MAX_WORKERS = 4
IN_FLIGHT = 4  # jobs submitted ahead per worker
# Transcripts a tokenising worker takes at a time: each hand-over costs some 5 ms (queues,
# pickling, waiting for this process's threads), a tenth of a job.
JOBS_AT_ONCE = 3


@dataclass(frozen=True)
class Job:
    """One transcript to match: the stale rules with the fingerprints their matches get."""

    item: TranscriptText
    rules: tuple[tuple[CodeRules, str], ...]
    only_turns: frozenset[int] | None  # turn positions to suggest on, None for all
    table: bytes | None = None  # the cached token table, None to tokenise

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker as the text and the turns' spans: a worker reads nothing else
        of a turn, and pickling the Turn objects (each with its text, a copy of part of the
        transcript's) took ten times as long as all the rest of a transcript."""
        item = self.item
        spans = tuple((t.start, t.end) for t in item.turns)
        head = (item.id, item.name, item.sha256, item.language, item.text, spans)
        return (_job_from_wire, (head, self.rules, self.only_turns, self.table))


def _job_from_wire(
    head: tuple[int, str, str, str, str, tuple[tuple[int, int], ...]],
    rules: tuple[tuple[CodeRules, str], ...],
    only_turns: frozenset[int] | None,
    table: bytes | None,
) -> Job:
    """A job as a worker gets it: turns with their spans (and transcript, number) only."""
    from ..models import Turn
    from .cache import TranscriptText

    tid, name, sha256, language, text, spans = head
    turns = tuple(Turn(0, tid, n, "", "", a, b, "") for n, (a, b) in enumerate(spans, start=1))
    return Job(TranscriptText(tid, name, sha256, language, text, turns), rules, only_turns, table)


@dataclass(frozen=True)
class Done:
    """What a job found: a token table to cache (when one was made) and match entries."""

    item_id: int
    table: bytes | None
    matches: tuple[tuple[int, str, bytes], ...]  # (code id, fingerprint, encoded passages)


def run_job(job: Job) -> Done:
    """Tokenise (unless a cached table came with the job) and match one transcript."""
    from .cache import TokenTable, tokenise
    from .match_cache import encode
    from .matching import match_transcript

    item = job.item
    signature = item.signature()
    table = TokenTable.from_bytes(job.table, signature) if job.table is not None else None
    made = None
    if table is None:
        table = tokenise(item)
        made = table.to_bytes(signature)
    rules = [r for r, _ in job.rules]
    found: dict[int, list[object]] = {r.code_id: [] for r in rules}
    spans = [(t.start, t.end) for t in item.turns]
    only = set(job.only_turns) if job.only_turns is not None else None
    for p in match_transcript(table, item.text, spans, rules, only_turns=only):
        found[p.code_id].append(p)
    entries = tuple((r.code_id, fp, encode(found[r.code_id])) for r, fp in job.rules)  # type: ignore[arg-type]
    return Done(item.id, made, entries)


def _job(job: Job) -> Done:
    # Looked up when the worker runs, so a test can stand in for run_job.
    return run_job(job)


def worker_count(items: Sequence[TranscriptText]) -> int:
    """How many processes to use for these transcripts (1: no workers)."""
    setting = os.environ.get("QUALCODE_WORKERS", "").strip()
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            return 1
    # Turn offsets, not len(text): the transcripts may be heads whose text is read later.
    if sum(i.turns[-1].end for i in items if i.turns) < MIN_PARALLEL_CHARS:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_WORKERS, len(items)))


def _job_group(jobs: list[Job]) -> list[Done]:
    return [_job(job) for job in jobs]


def _in_groups(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    group: list[Job] = []
    for job in jobs:
        group.append(job)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def run_jobs(jobs: Iterable[Job], workers: int, languages: Sequence[str] = ()) -> Iterator[Done]:
    """Each job's result, in job order; in `workers` processes when more than one, which
    take JOBS_AT_ONCE jobs at a time."""
    if workers <= 1:
        yield from map(_job, jobs)
        return
    from .pipeline import pipeline

    for lang in languages:
        pipeline(lang)  # built once here, shared by the forked workers
    for done in ordered_map(_job_group, _in_groups(jobs, JOBS_AT_ONCE), workers, ahead=2):
        yield from done


def ordered_map(
    fn: Callable[[A], R],
    jobs: Iterable[A],
    workers: int,
    *,
    ahead: int = IN_FLIGHT,
    setup: tuple[Callable[..., object], tuple[object, ...]] | None = None,
) -> Iterator[R]:
    """fn(job) for each job, in job order; in `workers` processes when more than one (see
    Workers: setup runs once in each worker before its first job)."""
    with Workers(workers, setup=setup) as pool:
        yield from pool.map(fn, jobs, ahead=ahead)


def _die_with_parent(parent: int) -> None:
    """In a worker process: end when the process that started it ends, even by kill -9
    (Linux's PR_SET_PDEATHSIG), rather than wait on its queue for ever."""
    import signal

    prctl = _libc("prctl")
    if prctl is None:
        return
    prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before this was set
        os._exit(1)


def _start_worker(
    parent: int,
    setup: tuple[Callable[..., object], tuple[object, ...]] | None,
    warm: Callable[[], object] | None,
) -> None:
    _die_with_parent(parent)
    if setup is not None:
        setup[0](*setup[1])
    if warm is not None:
        warm()


def _nothing() -> None:
    return None


def give_back_memory() -> None:
    """Hand the free memory of this process's C heap back to the operating system (glibc's
    malloc_trim; nothing elsewhere). Python frees its many medium objects (e.g. lists of a
    few hundred bytes) into that heap, where the pages stay the process's own: after a large
    batch of them goes, this keeps a later fork from sharing (and the process from holding)
    hundreds of MB nothing uses."""
    import gc

    trim = _libc("malloc_trim")
    if trim is not None:
        gc.collect()
        trim(0)


def _libc(name: str) -> Any:
    """A function of glibc on Linux, or None (another platform or C library: musl, say)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def can_isolate() -> bool:
    """True when `isolated` runs its work in a child process (forking platforms)."""
    return sys.platform == "linux"


def isolated(fn: Callable[[], R]) -> R:
    """fn() in a forked child process, its result sent back (pickled): what the work
    allocates is the operating system's again when the child ends, rather than staying in
    this process's heap. fn and what it uses are inherited, not pickled. Where processes are
    spawned, fn runs here.

    The child leads its own process group, so worker processes it starts go with it when it
    dies (or when this process is interrupted) rather than waiting on it for ever.
    """
    if not can_isolate():
        return fn()
    import gc
    import multiprocessing
    import signal

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    gc.freeze()  # the child's collector leaves this process's objects (shared pages) alone
    try:
        child = context.Process(target=_isolated_main, args=(fn, send, os.getpid()))
        child.start()
    finally:
        gc.unfreeze()
    send.close()
    outcome: tuple[bool, Any] | None = None
    try:
        # Polled, not waited on: the child's workers inherit its end of the pipe (and of its
        # sentinel), so neither closes when the child alone dies.
        while outcome is None:
            if receive.poll(0.2):
                outcome = _received(receive)  # small: a result that fits the pipe's buffer
                break
            if not child.is_alive():
                outcome = _received(receive) if receive.poll(0) else None
                break
        child.join()
    finally:
        receive.close()
        if outcome is None or child.exitcode != 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            child.join()
    if outcome is None:
        raise QualcodeError(
            "a worker process stopped unexpectedly (out of memory?); what was done is kept: "
            "run the command again, or with QUALCODE_WORKERS=1 to work in one process"
        )
    ok, value = outcome
    if not ok:
        raise value
    result: R = value
    return result


def _received(receive: Any) -> tuple[bool, Any] | None:
    """What the isolated child sent, or None when it ended without sending it."""
    try:
        outcome: tuple[bool, Any] = receive.recv()
    except EOFError:
        return None
    except Exception as exc:  # noqa: BLE001 - an error that pickled but does not unpickle
        return (False, QualcodeError(f"the work in a child process failed ({exc})"))
    return outcome


def _isolated_main(fn: Callable[[], Any], send: Any, parent: int) -> None:
    """In the isolated child: lead a process group, run fn, send (ok, result or error)."""
    _die_with_parent(parent)
    os.setpgrp()
    try:
        outcome: tuple[bool, Any] = (True, fn())
    except BaseException as exc:  # noqa: BLE001 - every failure is sent back and raised there
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception:  # noqa: BLE001 - an error that cannot be pickled: its message goes
        send.send((False, QualcodeError(str(outcome[1]))))
    send.close()


class Background:
    """fn(send) run in a forked child process while this process goes on; what it sends
    (pickled, a piece at a time) is collected by a thread here, and `take()` ends the child
    and gives what has come. For work that only saves time later: a child that fails, or is
    ended before it is done, has just sent less. Where processes are not forked nothing
    runs and take() gives nothing. A context manager: leaving it ends the child.
    """

    def __init__(self, fn: Callable[[Callable[[Any], None]], None]) -> None:
        self._child: Any = None
        self._thread: Any = None
        self._got: list[Any] = []
        if not can_isolate():
            return
        import multiprocessing
        import threading

        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_background_main, args=(fn, send, os.getpid()), daemon=True
        )
        self._child.start()
        send.close()  # the child's end only: reading sees the end when the child ends
        self._thread = threading.Thread(target=self._collect, args=(receive,), daemon=True)
        self._thread.start()

    def _collect(self, receive: Any) -> None:
        try:
            while True:
                self._got.append(receive.recv())
        except Exception:  # noqa: BLE001 - ended (EOF), or cut off mid-message when ended
            pass
        finally:
            receive.close()

    def take(self) -> list[Any]:
        """End the child; what it sent until then, in order."""
        self.stop()
        return self._got

    def stop(self) -> None:
        """End the child (at once) and the collecting thread."""
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()
            self._child.join()
            self._child = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _background_main(fn: Callable[[Callable[[Any], None]], None], send: Any, parent: int) -> None:
    _die_with_parent(parent)
    try:
        fn(send.send)
    except BaseException:  # noqa: BLE001 - work that only saves time: nothing to report
        pass
    finally:
        send.close()


class Workers:
    """Worker processes for pure computation (this process alone when n <= 1), as a context.

    Forked on Linux (they share what this process has loaded), spawned elsewhere. setup
    (function, arguments) runs once in each worker before its first job: forked workers
    inherit the arguments as they are, spawned ones get a pickled copy. warm, when given, also
    runs in each worker as it starts, and the workers start at once: that work (e.g. an
    import) overlaps with what this process does before the first job.
    """

    def __init__(
        self,
        n: int,
        *,
        setup: tuple[Callable[..., object], tuple[object, ...]] | None = None,
        warm: Callable[[], object] | None = None,
    ) -> None:
        self.n = n
        self.setup = setup
        self.warm = warm
        self._pool: Any = None
        self._frozen = False

    def __enter__(self) -> Workers:
        if self.n <= 1:
            if self.setup is not None:
                self.setup[0](*self.setup[1])
            return self
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if sys.platform == "linux" else "spawn"
        if method == "fork":
            import gc

            # Objects the parent made so far stay where they are: the workers' garbage
            # collector does not touch (and so copy) their memory pages, which stay shared.
            gc.freeze()
            self._frozen = True
        self._pool = ProcessPoolExecutor(
            max_workers=self.n,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
            initargs=(os.getpid(), self.setup, self.warm),
        )
        if self.warm is not None:
            # Workers start with the first job (forked: all of them; spawned: one per job
            # while none is idle), so the warm-up begins now rather than at the first job.
            for _ in range(self.n):
                self._pool.submit(_nothing)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self._pool = None
            if self._frozen:
                import gc

                gc.unfreeze()
                self._frozen = False

    def map(
        self, fn: Callable[[A], R], jobs: Iterable[A], *, ahead: int = IN_FLIGHT
    ) -> Iterator[R]:
        """fn(job) for each job, results in job order. fn is a module-level function (workers
        look it up by name). At most `ahead` jobs per worker are in flight (pool.map would
        submit them all at once, holding every job in memory), so a lazy `jobs` is read only
        as fast as results come back."""
        if self._pool is None:
            yield from map(fn, jobs)
            return
        from collections import deque
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        window: deque[Future[R]] = deque()
        try:
            for job in jobs:
                window.append(self._pool.submit(fn, job))
                if len(window) >= ahead * self.n:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        except BrokenProcessPool:
            raise QualcodeError(
                "a worker process stopped unexpectedly (out of memory?); what was done is kept: "
                "run the command again, or with QUALCODE_WORKERS=1 to work in one process"
            ) from None
