"""Where a batch's tasks run: a local pool of worker processes (default) or a Ray cluster.

Both take the JSON-able task dicts of :mod:`grader.batch.work` and hand back its answers;
the runner cannot tell them apart. The interface::

    executor.start()                 # processes up / cluster joined; sets .slots
    executor.free_slots() -> int
    executor.submit(task)
    executor.poll(timeout) -> [answer, ...]   # finished tasks, failures included
    executor.busy() -> int
    executor.abandon()               # stop every running task now (nothing is committed)
    executor.close()

**Local pool.** ``slots`` long-lived worker processes (``python -m grader.batch.poolworker``,
fresh interpreters: no thread or lock of the parent is inherited, and no start method re-runs
the caller's script). Each keeps its imports (pytest, torch on the trusted side) and its
loaded rubric across tasks, which is most of the gain over one ``grader grade`` per student;
every submission still gets fresh sandboxed workers from the engine. A worker

- starts its own session, so the terminal's Ctrl-C reaches the parent only and the parent
  decides what stops;
- asks the kernel for SIGTERM when the parent dies (``PR_SET_PDEATHSIG``): a batch killed
  with SIGKILL takes its workers with it;
- runs its own torch (and MKL, OpenBLAS) on one thread: it is one slot of the machine, and
  idle threads spinning per core would slow the sandboxes down;
- turns SIGTERM into ``KeyboardInterrupt``, so the engine's ``finally`` blocks close the
  sandboxes it started (kill the tree, remove the cgroup); if that takes more than ten
  seconds, it kills its children's process groups and everything in its cgroups (thawed,
  should the engine have been stopped with one frozen) and exits. bubblewrap runs with
  ``--die-with-parent`` as a last resort.

Tasks and answers travel as JSON bytes over a socket pair (``Connection.send_bytes``), never
as pickles. A worker that
dies mid-task (the trusted side killed by the OOM killer, say) is replaced, and the task comes
back as an answer with ``worker_died`` so the runner can retry it once.

**Ray.** One remote call per task, ``num_cpus=1``; the submission's files and the assignment
(rubric and hidden tests, put in the object store once) travel with the task, so nothing but an
installed grader is needed on a node, and the sandbox runs on the node that runs the task.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

__all__ = ["Executor", "LocalPool", "RayExecutor", "ExecutorUnavailable", "make_executor", "EXECUTORS",
           "GRADE_FUNCTION"]

EXECUTORS = ("local", "ray")
GRADE_FUNCTION = "grader.batch.work:grade_task"
_TERM_GRACE_S = 12.0
#: thread pools a pool worker's libraries size from the environment (torch's OpenMP, MKL, OpenBLAS)
_TRUSTED_SIDE_THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class ExecutorUnavailable(RuntimeError):
    """The executor cannot run here (Ray not installed, no cluster at the address)."""


class Executor(ABC):
    name: str = ""
    slots: int = 0

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def submit(self, task: dict[str, Any]) -> None: ...

    @abstractmethod
    def poll(self, timeout: float) -> list[dict[str, Any]]: ...

    @abstractmethod
    def busy(self) -> int: ...

    @abstractmethod
    def abandon(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def free_slots(self) -> int:
        return self.slots - self.busy()

    def describe(self) -> str:
        return f"{self.name}, {self.slots} worker{'s' if self.slots != 1 else ''}"


def make_executor(name: str, *, jobs: int | None, address: str | None = None,
                  task_timeout_s: float | None = None, assignment_pack: dict[str, Any] | None = None,
                  function: str = GRADE_FUNCTION) -> Executor:
    if name == "local":
        if address:
            raise ExecutorUnavailable("--address is for --executor ray; the local pool runs on this machine")
        return LocalPool(jobs or 1, task_timeout_s=task_timeout_s, function=function)
    if name == "ray":
        return RayExecutor(jobs=jobs, address=address, task_timeout_s=task_timeout_s,
                           assignment_pack=assignment_pack, function=function)
    raise ExecutorUnavailable(f"unknown executor {name!r}; choose one of: {', '.join(EXECUTORS)}")


# -- local pool ---------------------------------------------------------------------


@dataclass
class _Slot:
    process: subprocess.Popen
    conn: Connection
    task: dict[str, Any] | None = None
    started: float = 0.0
    kill_reason: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class LocalPool(Executor):
    jobs: int
    task_timeout_s: float | None = None
    function: str = GRADE_FUNCTION
    name: str = "local"
    _slots: list[_Slot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.slots = max(1, int(self.jobs))

    def start(self) -> None:
        self._slots = [self._spawn() for _ in range(self.slots)]

    def _spawn(self) -> _Slot:
        """``python -m grader.batch.poolworker`` with one end of a socket pair (no multiprocessing start method,
        so a script without a ``__main__`` guard is never re-run in the worker)."""
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        # the parent's import path, so a worker finds what the parent found (a test's grade function)
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(os.path.abspath(p or os.curdir) for p in sys.path
                                                          if os.path.isdir(p or os.curdir)))
        # a worker is one slot of the machine, and its torch (the trusted side: comparisons, seeds)
        # mostly waits for the sandbox: with a thread per core, the idle threads of N workers spin
        # on the cores the sandboxes need (2 CPUs, 24 nyu-dl-hw1 submissions: a quarter less wall and CPU).
        # The sandbox's own thread count comes from the rubric's limits, not from this.
        env.update({name: "1" for name in _TRUSTED_SIDE_THREADS})
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "grader.batch.poolworker", "--fd", str(theirs.fileno()),
                 "--parent", str(os.getpid()), "--function", self.function],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        return _Slot(process=process, conn=conn)

    def busy(self) -> int:
        return sum(1 for s in self._slots if s.task is not None)

    def submit(self, task: dict[str, Any]) -> None:
        slot = next(s for s in self._slots if s.task is None)
        slot.task, slot.started = task, time.monotonic()
        try:
            slot.conn.send_bytes(json.dumps(task).encode())
        except OSError:
            pass  # the worker is gone; poll() sees its end of the socket close and answers for the task

    def poll(self, timeout: float) -> list[dict[str, Any]]:
        """Answers of finished tasks; a worker whose socket closed is replaced (its task answered as a death)."""
        answers: list[dict[str, Any]] = []
        self._enforce_timeouts()
        watched = {slot.conn: slot for slot in self._slots}
        for ready in wait(list(watched), timeout=timeout):
            slot = watched[ready]
            try:
                data = slot.conn.recv_bytes()
                answer = json.loads(data)
            except (EOFError, OSError, ValueError):
                answers.extend(self._replace(slot))
                continue
            if slot.task is not None and answer.get("key") == slot.task["key"]:
                answers.append(answer)
            slot.task = None
        return answers

    def _enforce_timeouts(self) -> None:
        if not self.task_timeout_s:
            return
        now = time.monotonic()
        for slot in self._slots:
            if slot.task is not None and not slot.kill_reason and now - slot.started > self.task_timeout_s:
                slot.kill_reason = (f"the batch stopped it after {self.task_timeout_s:g} s (the rubric's wall "
                                    "limit plus a margin); the grader did not stop it itself")
                _terminate(slot)

    def _replace(self, dead: _Slot) -> list[dict[str, Any]]:
        try:
            code = dead.process.wait(_TERM_GRACE_S + 2)
        except subprocess.TimeoutExpired:
            dead.process.kill()
            code = dead.process.wait()
        answers = []
        if dead.task is not None:
            cause = dead.kill_reason or f"the batch worker process died ({_describe_exit(code)}) while grading"
            answers.append({"key": dead.task["key"], "error": cause, "worker_died": not dead.kill_reason,
                            "host": f"{os.uname().nodename}:{dead.pid}", "worker_s": 0.0})
        dead.conn.close()
        self._slots[self._slots.index(dead)] = self._spawn()
        return answers

    def abandon(self) -> None:
        """SIGTERM every busy worker (they close their sandboxes), SIGKILL what is left after the grace time."""
        busy = [s for s in self._slots if s.task is not None]
        for slot in busy:
            _terminate(slot)
        deadline = time.monotonic() + _TERM_GRACE_S + 2
        for slot in busy:
            try:
                slot.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                slot.process.kill()
                slot.process.wait()
            slot.task = None
            slot.conn.close()
            self._slots[self._slots.index(slot)] = self._spawn()

    def close(self) -> None:
        for slot in self._slots:
            if slot.task is None:
                try:
                    slot.conn.send_bytes(b"")
                except OSError:
                    pass
            else:
                _terminate(slot)
        deadline = time.monotonic() + _TERM_GRACE_S + 2
        for slot in self._slots:
            try:
                slot.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                slot.process.kill()
                slot.process.wait()
            slot.conn.close()
        self._slots = []

    def worker_pids(self) -> list[int]:
        return [s.pid for s in self._slots]


def _terminate(slot: _Slot) -> None:
    try:
        os.kill(slot.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


# -- Ray ----------------------------------------------------------------------------


def _ray_grade(task_json: str, assignment_pack: dict[str, Any] | None, function: str) -> str:
    """Runs on a Ray worker node: the sandbox starts there."""
    task = json.loads(task_json)
    if assignment_pack is not None:
        task["assignment_pack"] = assignment_pack
    module, _, name = function.partition(":")
    grade = getattr(importlib.import_module(module), name)
    return json.dumps(grade(task))


def _probe(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a ``host:port`` nobody listens on (ray.init would retry for minutes)."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto", "local": Ray resolves those itself
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ExecutorUnavailable(f"cannot reach the Ray cluster at {address} ({exc}); start one with "
                                  "'ray start --head' on the head node and pass the address it prints") from None


@dataclass
class RayExecutor(Executor):
    jobs: int | None = None
    address: str | None = None
    task_timeout_s: float | None = None
    assignment_pack: dict[str, Any] | None = None
    function: str = GRADE_FUNCTION
    name: str = "ray"
    _ray: Any = None
    _remote: Any = None
    _pack_ref: Any = None
    _refs: dict[Any, tuple[dict[str, Any], float]] = field(default_factory=dict)
    _started_ray: bool = False

    def start(self) -> None:
        try:
            import ray
        except ImportError:
            raise ExecutorUnavailable("the Ray executor needs Ray: pip install 'dl-grader[ray]' "
                                      "(on this machine and on every node of the cluster)") from None
        self._ray = ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if self.address:
                _probe(self.address)
                kwargs["address"] = self.address
            elif self.jobs:
                kwargs["num_cpus"] = self.jobs
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ExecutorUnavailable(f"cannot join the Ray cluster at {self.address or 'a new local one'}: "
                                          f"{exc}; start one with 'ray start --head' and pass --address") from None
            self._started_ray = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.slots = max(1, self.jobs or cpus)
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_ray_grade)
        self._pack_ref = ray.put(self.assignment_pack) if self.assignment_pack is not None else None

    def describe(self) -> str:
        where = self.address or "a local Ray instance"
        return f"ray at {where}, {self.slots} task{'s' if self.slots != 1 else ''} at a time"

    def busy(self) -> int:
        return len(self._refs)

    def submit(self, task: dict[str, Any]) -> None:
        ref = self._remote.remote(json.dumps(task), self._pack_ref, self.function)
        self._refs[ref] = (task, time.monotonic())

    def poll(self, timeout: float) -> list[dict[str, Any]]:
        if not self._refs:
            time.sleep(timeout)
            return []
        ray = self._ray
        ready, _ = ray.wait(list(self._refs), num_returns=len(self._refs), timeout=timeout)
        answers = []
        for ref in ready:
            task, _started = self._refs.pop(ref)
            try:
                answers.append(json.loads(ray.get(ref)))
            except Exception as exc:  # noqa: BLE001 - a task that failed in Ray itself (node lost, worker crash)
                answers.append({"key": task["key"], "error": f"the Ray task failed: {exc}", "worker_died": True,
                                "host": "", "worker_s": 0.0})
        if self.task_timeout_s:
            now = time.monotonic()
            for ref, (task, started) in list(self._refs.items()):
                if now - started > self.task_timeout_s:
                    ray.cancel(ref, force=True)
                    self._refs.pop(ref)
                    answers.append({"key": task["key"], "worker_died": False, "host": "", "worker_s": 0.0,
                                    "error": f"the batch stopped it after {self.task_timeout_s:g} s"})
        return answers

    def abandon(self) -> None:
        for ref in list(self._refs):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished or gone
                pass
        self._refs.clear()

    def close(self) -> None:
        if self._refs:
            self.abandon()
        if self._started_ray and self._ray is not None:
            self._ray.shutdown()
            self._started_ray = False
