"""Worker processes (nlp.batch.Workers): results in job order, setup and warm-up per worker;
work isolated in a child process (nlp.batch.isolated)."""

from __future__ import annotations

import os

import pytest

from qualcode.errors import QualcodeError
from qualcode.nlp.batch import Background, Workers, can_isolate, isolated, ordered_map

_STATE: dict[str, int] = {}


def _remember(value: int) -> None:
    _STATE["offset"] = value


def _shifted(job: int) -> tuple[int, int]:
    return job + _STATE["offset"], os.getpid()


def _warm() -> None:
    _STATE["warmed"] = os.getpid()


def _was_warmed(_job: int) -> bool:
    return _STATE.get("warmed") == os.getpid()


@pytest.mark.parametrize("n", [1, 2])
def test_results_come_back_in_job_order_after_each_workers_setup(n: int) -> None:
    got = list(ordered_map(_shifted, range(40), n, ahead=1, setup=(_remember, (100,))))
    assert [value for value, _ in got] == list(range(100, 140))
    pids = {pid for _, pid in got}
    assert (pids == {os.getpid()}) if n == 1 else (os.getpid() not in pids)


def test_warm_up_runs_in_the_workers_before_their_jobs() -> None:
    _STATE.pop("warmed", None)
    with Workers(2, warm=_warm) as pool:
        assert all(pool.map(_was_warmed, range(8)))
    assert "warmed" not in _STATE  # it ran in the workers, not here


def test_a_lazy_job_stream_is_read_only_as_fast_as_results_come_back() -> None:
    read: list[int] = []

    def jobs():  # a generator: read in this process, one job at a time
        for i in range(10):
            read.append(i)
            yield i

    with Workers(2, setup=(_remember, (0,))) as pool:
        results = pool.map(_shifted, jobs(), ahead=1)
        next(results)
        assert len(read) <= 3  # two in flight (one per worker) plus the one just taken
        assert [v for v, _ in results] == list(range(1, 10))


@pytest.mark.skipif(not can_isolate(), reason="a child process is forked on Linux only")
def test_isolated_work_runs_in_a_child_process_and_sends_back_its_result() -> None:
    big = list(range(1000))  # inherited by the child, not pickled
    pid, total = isolated(lambda: (os.getpid(), sum(big)))
    assert pid != os.getpid() and total == sum(big)


@pytest.mark.skipif(not can_isolate(), reason="a child process is forked on Linux only")
def test_an_error_in_isolated_work_is_raised_here_with_its_message() -> None:
    def fails() -> None:
        raise QualcodeError("the codebook has no codes")

    with pytest.raises(QualcodeError, match="the codebook has no codes"):
        isolated(fails)


@pytest.mark.skipif(not can_isolate(), reason="a child process is forked on Linux only")
def test_isolated_work_whose_process_dies_gives_the_worker_error() -> None:
    with pytest.raises(QualcodeError, match="worker process stopped.*QUALCODE_WORKERS=1"):
        isolated(lambda: os._exit(3))


_ORPHAN_SCRIPT = """
import os, sys, time
from qualcode.nlp.batch import Workers

def pid(_job):
    return os.getpid()

with Workers(2) as pool:
    print(*sorted(set(pool.map(pid, range(8)))), flush=True)
    time.sleep(60)
"""


@pytest.mark.skipif(not can_isolate(), reason="PR_SET_PDEATHSIG is Linux's")
def test_worker_processes_end_when_the_command_that_started_them_is_killed() -> None:
    import signal
    import subprocess
    import sys
    import threading
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT], stdout=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(30, proc.kill)  # the read below never waits longer
    watchdog.start()
    assert proc.stdout is not None
    workers = [int(p) for p in proc.stdout.readline().split()]
    watchdog.cancel()
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in workers if _running(p)]
    assert alive == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False


def _send_then_fail(send) -> None:  # type: ignore[no-untyped-def]
    send(("lv", [("darbs", "darb")]))
    send(("lv", [("mācības", "mācīb")]))
    raise RuntimeError("the rest is lost, not reported")


def _send_forever(send) -> None:  # type: ignore[no-untyped-def]
    import time

    send("first")
    time.sleep(60)


@pytest.mark.skipif(not can_isolate(), reason="background work needs forked processes")
def test_background_work_gives_what_it_sent_before_it_failed() -> None:
    import time

    with Background(_send_then_fail) as work:
        time.sleep(0.5)
        got = work.take()
    assert got == [("lv", [("darbs", "darb")]), ("lv", [("mācības", "mācīb")])]


@pytest.mark.skipif(not can_isolate(), reason="background work needs forked processes")
def test_background_work_is_ended_at_once_when_taken() -> None:
    import time

    work = Background(_send_forever)
    deadline = time.monotonic() + 10
    while not work._got and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert work.take() == ["first"]
    assert time.monotonic() - started < 5  # killed, not waited for


def test_background_work_does_nothing_where_processes_are_not_forked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qualcode.nlp import batch

    monkeypatch.setattr(batch, "can_isolate", lambda: False)
    with Background(_send_then_fail) as work:
        assert work.take() == []


def test_a_job_reaches_a_worker_as_its_text_and_turn_spans() -> None:
    import pickle

    from nlp_fixtures import make_item

    from qualcode.nlp.batch import Job

    item = make_item([("interviewer", "Kā iet darbā?"), ("respondent", "Vajag mācības, ļoti.")])
    job = Job(item, (), frozenset({1}), b"table")
    sent = pickle.loads(pickle.dumps(job))
    got = sent.item
    assert (got.id, got.name, got.sha256, got.language, got.text) == (
        item.id,
        item.name,
        item.sha256,
        item.language,
        item.text,
    )
    assert [(t.start, t.end) for t in got.turns] == [(t.start, t.end) for t in item.turns]
    assert got.signature() == item.signature()  # a cached table made for it is still its own
    assert (sent.only_turns, sent.table) == (frozenset({1}), b"table")


def _echo(job, **_kwargs):  # type: ignore[no-untyped-def]
    from qualcode.nlp.batch import Done

    return Done(job.item.id, None, ((os.getpid(), "", b""),))


@pytest.mark.skipif(not can_isolate(), reason="forked workers see the stand-in")
def test_jobs_handed_to_workers_in_groups_come_back_in_job_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nlp_fixtures import make_item

    from qualcode.nlp import batch

    monkeypatch.setattr(batch, "run_job", _echo)
    jobs = [batch.Job(make_item([("respondent", "Jā.")], tid=i), (), None) for i in range(11)]
    done = list(batch.run_jobs(iter(jobs), 2))
    assert [d.item_id for d in done] == list(range(11))  # 11: the last group is short
    assert os.getpid() not in {d.matches[0][0] for d in done}  # all made in the workers
