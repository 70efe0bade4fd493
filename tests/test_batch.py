"""Worker processes (nlp.batch.Workers): results in job order, setup and warm-up per worker."""

from __future__ import annotations

import os

import pytest

from qualcode.nlp.batch import Workers, ordered_map

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
