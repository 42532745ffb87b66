"""Run untrusted work in worker processes, one task per worker at a time, so a fault costs only its own task.

Decoders are C code fed hostile files: they can crash (segmentation fault), be killed by the kernel's OOM killer,
or hang. Each worker process runs one task at a time and the parent knows which, so:

- a worker that dies (any signal, any exit) fails exactly its task with :class:`WorkerDied` naming how it died;
  a fresh worker replaces it and the other tasks go on untouched. A task whose worker died is retried once in a
  fresh worker (the OOM killer may have picked an innocent process); if it kills its worker again, it is blamed.
- a task still running after its ``deadline`` has its worker killed (``SIGKILL``, so even a decoder stuck in C
  code stops) and fails with :class:`TaskTimedOut`.
- workers ignore ``SIGINT``; the parent stops and reaps them all when it is interrupted or done.

``concurrent.futures.ProcessPoolExecutor`` cannot do this: when one worker dies the whole pool breaks, every task
in flight fails with it and nobody knows which task was the culprit.

Each worker starts with :func:`media_check.limits.limit_memory`, ``OMP_THREAD_LIMIT=1`` and (unless
``MEDIA_CHECK_WORKER_STDERR=1``) its standard error sent to /dev/null, since decoder libraries print warnings
about hostile files there.

Fault injection for tests (documented, tiny, off unless set): ``MEDIA_CHECK_INJECT_FAULT=MODE:NAME[,MODE:NAME]``
makes a worker fault when it starts a task whose first argument (a path) ends with NAME. MODE is ``segv`` (the
worker kills itself with SIGSEGV, like a decoder crash), ``kill`` (SIGKILL, like the OOM killer), ``exit``
(``os._exit(3)``) or ``hang`` (blocks every signal it can and sleeps, like a decoder stuck in C code).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from media_check.limits import limit_memory

T = TypeVar("T")
FAULT_ENV = "MEDIA_CHECK_INJECT_FAULT"


class WorkerFailure(Exception):
    """A task that did not return; ``str()`` says why, for a person."""


class WorkerDied(WorkerFailure):
    pass


class TaskTimedOut(WorkerFailure):
    pass


@dataclass
class _Task(Generic[T]):
    key: T
    fn: Callable[..., Any]
    args: tuple
    deadline: float
    attempts: int = 0


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext):
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: _Task | None = None
        self.started = 0.0

    def give(self, task: _Task) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send((task.fn, task.args))

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def run_isolated(tasks: Iterable[tuple], jobs: int, deadline: float, retries: int = 1) -> Iterator[tuple[T, Any]]:
    """``(key, result)`` for each ``(key, fn, args)`` or ``(key, fn, args, own_deadline)`` in completion order; a
    failed task's result is a :class:`WorkerFailure` (or the exception ``fn`` raised). ``fn`` must be a picklable
    top-level function; ``deadline`` is in seconds from the moment a worker takes the task."""
    pool = IsolatedPool(jobs, deadline, retries)
    for task in tasks:
        pool.add(task[0], task[1], task[2], task[3] if len(task) > 3 else None)
    if pool.idle:
        return
    try:
        while not pool.idle:
            yield from pool.step()
    finally:
        pool.close()


class IsolatedPool:
    """The isolated worker processes behind :func:`run_isolated`, driven one :meth:`step` at a time, so a caller
    can keep adding tasks while others run (:class:`media_check.executors.ProcessExecutor` does, from a thread).
    Workers start on demand, up to ``jobs``, and are reused until :meth:`close`."""

    def __init__(self, jobs: int, deadline: float, retries: int = 1):
        self.jobs, self.deadline, self.retries = max(1, jobs), deadline, retries
        self.queue: deque[_Task] = deque()
        self.workers: list[_Worker] = []
        self._context = multiprocessing.get_context("spawn")

    def add(self, key: T, fn: Callable[..., Any], args: Iterable, deadline: float | None = None) -> None:
        self.queue.append(_Task(key, fn, tuple(args), self.deadline if deadline is None else deadline))

    @property
    def idle(self) -> bool:
        """No task queued or running."""
        return not self.queue and not any(w.task for w in self.workers)

    def step(self, wake: Iterable = ()) -> list[tuple[T, Any]]:
        """Hand queued tasks to free workers, wait until a task ends, a deadline passes or one of the ``wake``
        objects (file descriptors, connections) is readable; the tasks that ended."""
        while self.queue and (len(self.workers) < self.jobs or any(w.task is None for w in self.workers)):
            free = next((w for w in self.workers if w.task is None), None)
            if free is None:
                free = _Worker(self._context)
                self.workers.append(free)
            free.give(self.queue.popleft())
        busy = [w for w in self.workers if w.task is not None]
        wake = list(wake)
        if not busy and not wake:
            return []
        timeout = None
        if busy:
            now = time.monotonic()
            timeout = max(0.0, min(w.started + w.task.deadline - now for w in busy))
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy] + wake, timeout=timeout)
        done: list[tuple[T, Any]] = []
        for worker in busy:
            outcome = _collect(worker, ready)
            if outcome is None:
                continue
            task, result = outcome
            self.workers.remove(worker)
            if isinstance(result, _Alive):
                self.workers.append(worker)
                result = result.value
            elif isinstance(result, WorkerDied) and task.attempts < self.retries:
                task.attempts += 1
                self.queue.appendleft(task)
                continue
            done.append((task.key, result))
        return done

    def drop_queued(self) -> None:
        """Forget the tasks no worker has taken yet."""
        self.queue.clear()

    def close(self) -> None:
        """Stop idle workers, kill busy ones (their tasks are abandoned)."""
        for worker in self.workers:
            if worker.task is None:
                worker.stop()
            else:
                worker.kill()
        self.workers.clear()


@dataclass
class _Alive:
    value: Any


def _collect(worker: _Worker, ready: list) -> tuple[_Task, Any] | None:
    """The finished task of ``worker`` and its outcome (:class:`_Alive` when the worker can be reused), or None."""
    task = worker.task
    assert task is not None
    if worker.conn in ready or worker.process.sentinel in ready:
        try:
            if worker.conn.poll():
                _, value = worker.conn.recv()
                worker.task = None
                return task, _Alive(value)  # a result, or the exception the task raised
        except (EOFError, OSError):
            pass
        worker.kill()
        return task, WorkerDied(_death(worker.process.exitcode))
    elapsed = time.monotonic() - worker.started
    if elapsed >= task.deadline:
        worker.kill()
        return task, TaskTimedOut(f"analysis took longer than {task.deadline:g} s and its worker was stopped "
                                  "(a pathological or hostile file?)")
    return None


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGKILL:
            return ("the analysis worker was killed (SIGKILL) on this file, most likely by the system's out-of-"
                    "memory killer: the file needs more memory than is available")
        if number in (signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT):
            return f"the decoder crashed on this file ({name}): the file is corrupt or hostile"
        return f"the analysis worker was stopped by {name} on this file"
    return f"the analysis worker exited unexpectedly (code {exitcode}) on this file"


def _worker_main(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    limit_memory()
    if os.environ.get("MEDIA_CHECK_WORKER_STDERR") != "1":
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    faults = _faults(os.environ.get(FAULT_ENV, ""))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        if faults and args:
            _inject(faults, str(args[0]))
        try:
            reply = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - the parent decides what a task's exception means
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
            conn.send((False, WorkerFailure(f"result could not be returned: {type(exc).__name__}: {exc}")))


def _faults(spec: str) -> list[tuple[str, str]]:
    return [tuple(item.split(":", 1)) for item in spec.split(",") if ":" in item]  # type: ignore[misc]


def _inject(faults: list[tuple[str, str]], path: str) -> None:
    for mode, name in faults:
        if not path.endswith(name):
            continue
        if mode == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == "exit":
            os._exit(3)
        elif mode == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
            while True:
                time.sleep(3600)
