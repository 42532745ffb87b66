"""Where analyses run: one seam shaped like :class:`concurrent.futures.Executor`, two engines behind it.

- ``process`` (the default): :class:`ProcessExecutor`, isolated worker processes on this machine
  (:mod:`media_check.workers`): one asset per worker at a time, a hard deadline per asset, and a crash, an
  out-of-memory kill or a hang costs only its own asset.
- ``dask``: :class:`DaskExecutor`, a `dask.distributed <https://distributed.dask.org>`_ cluster: an existing one
  (``--scheduler tcp://host:8786``, or ``MEDIA_CHECK_SCHEDULER``, or dask's own ``DASK_SCHEDULER_ADDRESS``), else
  a local cluster started for the scan. ``pip install 'media-check[dask]'``; dask is imported only when chosen.
  On each dask worker the analysis runs in the same kind of isolated child process, with the same deadline, so a
  hostile file cannot take a dask worker down and a hung decoder is stopped.

Tasks are plain: a top-level function and picklable arguments (paths as strings, the analysis parameters, the
cache folder); results are plain :class:`~media_check.analysis.Analysis` objects. On a cluster, the scanned files
and the cache folder must be visible to the workers at the same absolute paths (a shared folder): the analysis
cache is content-addressed and written atomically, so any number of machines can share one.

Besides the standard ``submit``/``map``/``shutdown``, an executor has :meth:`AnalysisExecutor.submit_with_deadline`
and ``slots`` (tasks that run at once); :func:`run_tasks` keeps a bounded number of tasks in flight and yields
results in completion order, so memory does not grow with the number of assets and no worker waits while the
caller judges a result.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from media_check.workers import IsolatedPool, WorkerFailure

EXECUTORS = ("process", "dask")
SCHEDULER_ENV = "MEDIA_CHECK_SCHEDULER"
DEFAULT_DEADLINE = 600.0


class ExecutorUnavailable(Exception):
    """The chosen engine is not installed or its cluster cannot be reached; ``str()`` says what to do."""


class AnalysisExecutor(cf.Executor):
    """A :class:`concurrent.futures.Executor` whose tasks may carry a hard deadline (seconds of running time)."""

    name = "executor"
    slots = 1  # tasks that run at the same time

    def __init__(self, deadline: float = DEFAULT_DEADLINE):
        self.deadline = deadline

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        if kwargs:
            raise TypeError("analysis tasks take positional arguments only")
        return self.submit_with_deadline(self.deadline, fn, *args)

    def submit_with_deadline(self, deadline: float, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        raise NotImplementedError


class ProcessExecutor(AnalysisExecutor):
    """Isolated worker processes on this machine (:class:`media_check.workers.IsolatedPool`), fed by a thread.

    ``submit`` never blocks; a thread hands tasks to free workers and completes the futures. A task whose worker
    crashed (after one retry in a fresh worker) or overran its deadline ends with a
    :class:`~media_check.workers.WorkerFailure`; an exception the function raised is the future's exception.
    """

    name = "process"

    def __init__(self, jobs: int, deadline: float = DEFAULT_DEADLINE):
        super().__init__(deadline)
        self.slots = max(1, jobs)
        self._pool = IsolatedPool(self.slots, deadline)
        self._lock = threading.Lock()
        self._incoming: deque[tuple[cf.Future, Callable, tuple, float]] = deque()
        self._running: set[cf.Future] = set()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)  # drained without waiting; step() waits on it for readiness
        self._pipe_lock = threading.Lock()  # the pipe is closed once: never write to a number reused since
        self._thread: threading.Thread | None = None
        self._closing = False
        self._cancel = False

    def submit_with_deadline(self, deadline: float, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to an executor that was shut down")
            self._incoming.append((future, fn, args, deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._dispatch, name="media-check-workers", daemon=True)
                self._thread.start()
        self._wake()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closing = True
            self._cancel = self._cancel or cancel_futures
            thread = self._thread
        if thread is None:
            self._close_pipe()
            return
        self._wake()
        if wait:
            thread.join()

    def _wake(self) -> None:
        with self._pipe_lock:
            if self._wake_write < 0:
                return
            try:
                os.write(self._wake_write, b"\0")
            except OSError:
                pass

    def _close_pipe(self) -> None:
        with self._pipe_lock:
            for fd in (self._wake_read, self._wake_write):
                if fd >= 0:
                    os.close(fd)
            self._wake_read = self._wake_write = -1

    def _dispatch(self) -> None:
        try:
            while True:
                with self._lock:
                    incoming, self._incoming = self._incoming, deque()
                    closing, cancel = self._closing, self._cancel
                for future, fn, args, deadline in incoming:
                    if cancel:
                        future.cancel()
                    elif future.set_running_or_notify_cancel():
                        self._running.add(future)
                        self._pool.add(future, fn, args, deadline)
                if cancel:
                    self._abandon()
                    return
                if closing and self._pool.idle:
                    return
                for future, result in self._pool.step(wake=[self._wake_read]):
                    self._running.discard(future)
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
                self._drain_wake()
        except BaseException as exc:  # never leave a caller waiting on a future forever
            self._abandon(exc)
            raise
        finally:
            self._pool.close()
            self._close_pipe()

    def _abandon(self, exc: BaseException | None = None) -> None:
        self._pool.drop_queued()
        for future in list(self._running):
            if not future.done():
                future.set_exception(WorkerFailure(f"the scan stopped before this asset was analysed"
                                                   f"{f' ({exc})' if exc else ''}"))
        self._running.clear()

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_read, 4096):
                pass
        except OSError:  # BlockingIOError: the pipe is empty
            pass


class DaskExecutor(AnalysisExecutor):
    """Tasks run on a dask.distributed cluster, each inside an isolated child of its dask worker
    (:func:`run_guarded`). ``scheduler``: the address of a running scheduler (``tcp://host:8786``); without one,
    dask's ``scheduler-address`` setting (``DASK_SCHEDULER_ADDRESS``), else a local cluster of ``jobs``
    single-threaded worker processes is started for the scan and stopped with it."""

    name = "dask"

    def __init__(self, jobs: int, deadline: float = DEFAULT_DEADLINE, scheduler: str | None = None):
        super().__init__(deadline)
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorUnavailable("the dask executor needs dask.distributed: pip install 'media-check[dask]'") \
                from None
        address = scheduler or dask.config.get("scheduler-address", None)
        self._cluster = None
        try:
            if address:
                # dask's connect timeout (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT, default 30 s)
                timeout = dask.config.get("distributed.comm.timeouts.connect")
                self._client = Client(address, timeout=timeout, set_as_default=False)
            else:
                # worker processes may start children (the isolated analysis processes) only when not daemonic
                with dask.config.set({"distributed.worker.daemon": False}):
                    self._cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                                 dashboard_address=None, host="127.0.0.1")
                self._client = Client(self._cluster, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorUnavailable(f"cannot reach the dask scheduler at {address}: {exc}") from None
        self.slots = max(1, sum(self._client.nthreads().values()))
        self._executor = self._client.get_executor(pure=False)

    def submit_with_deadline(self, deadline: float, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        return self._executor.submit(run_guarded, fn, args, deadline)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        executor.shutdown(wait=wait and not cancel_futures)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_executor(name: str, scheduler: str | None = None) -> None:
    """:class:`ExecutorUnavailable` unless ``name`` is a known executor that can take ``scheduler``, and its engine
    is installed (checked before a scan starts, without importing the engine)."""
    if name not in EXECUTORS:
        raise ExecutorUnavailable(f"unknown executor '{name}' (known: {', '.join(EXECUTORS)})")
    if scheduler and name != "dask":
        raise ExecutorUnavailable("--scheduler needs --executor dask")
    if name == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ExecutorUnavailable("the dask executor needs dask.distributed: pip install 'media-check[dask]'")


def make_executor(name: str, jobs: int, deadline: float = DEFAULT_DEADLINE,
                  scheduler: str | None = None) -> AnalysisExecutor:
    """The executor called ``name`` (``process`` or ``dask``) with ``jobs`` local slots."""
    check_executor(name, scheduler)
    if name == "dask":
        return DaskExecutor(jobs, deadline, scheduler or os.environ.get(SCHEDULER_ENV) or None)
    return ProcessExecutor(jobs, deadline)


def run_tasks(executor: AnalysisExecutor, tasks: Iterable[tuple[Any, Callable, tuple, float]],
              window: int | None = None) -> Iterator[tuple[Any, Any]]:
    """``(key, result)`` for each ``(key, fn, args, deadline)``, in completion order; a task that failed gives
    its exception as the result. At most ``window`` tasks (default: twice the executor's slots) are submitted
    and not yet collected, so tasks are read lazily and results do not pile up."""
    window = max(1, window or 2 * executor.slots)
    todo = iter(tasks)
    in_flight: dict[cf.Future, Any] = {}

    def fill() -> None:
        while len(in_flight) < window:
            task = next(todo, None)
            if task is None:
                return
            key, fn, args, deadline = task
            in_flight[executor.submit_with_deadline(deadline, fn, *args)] = key

    fill()
    while in_flight:
        done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
        for future in done:
            key = in_flight.pop(future)
            try:
                result = future.result()
            except BaseException as exc:  # the caller decides what a failed task means
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                result = exc
            yield key, result
        fill()


# --- on a dask worker ----------------------------------------------------------------------------------------

_local = threading.local()


def run_guarded(fn: Callable[..., Any], args: tuple, deadline: float) -> Any:
    """``fn(*args)`` in an isolated child process of this process (one per calling thread, kept for the next
    task), killed after ``deadline`` seconds; raises the :class:`~media_check.workers.WorkerFailure` or the
    exception of the task. What a dask worker runs for each task."""
    pool = getattr(_local, "pool", None)
    if pool is None:
        current = multiprocessing.current_process()
        if current.daemon:
            # A dask worker started with distributed.worker.daemon=True (the default of external clusters) may not
            # start children through multiprocessing. The child is safe to start anyway: it exits when its pipe to
            # this process closes, so it never outlives the worker.
            current.daemon = False
        pool = _local.pool = IsolatedPool(1, deadline)
    pool.add(0, fn, args, deadline)
    while True:
        for _, result in pool.step():
            if isinstance(result, BaseException):
                raise result
            return result
