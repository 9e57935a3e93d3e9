"""The red-team corpus: loading cases, the host the attacks aim at, grading, and what leaked.

A case is a folder ``corpus/<family>/<case>/`` holding a submission (its files, or a
``make.py`` whose ``build(dest: Path, host: Host) -> Path`` writes one) and
``expect.toml``::

    attack = "what the submission tries"          # one line
    stopped_by = "what stops it"                  # for SECURITY.md's table
    assignment = "redteam"                        # or "redteam-tensors"
    outcome = "graded"                            # or "not_gradable"
    item = "1"                                    # the item that must lose its points ("" for none)
    message = 'regex'                             # in that item's messages (the reason when not gradable,
                                                  # every item's messages when item is "")
    files = 'regex'                               # optional: on the workspace's files, comma-joined
    output = 'regex'                              # optional: in that item's captured output
    intact = ["2"]                                # items that must score what the reference scores
    points = 0                                    # optional: exactly what the item must score
    pending = "notebooks"                         # optional: kept ready for a feature to come
    needs = "cgroup"                              # optional: skipped where the host has no cgroup
    [limits]                                      # optional overrides of the rubric's limits
    [bwrap] / [rlimit] / [docker]                 # per-backend overrides of the keys above (``bwrap-warm``
                                                  #   uses [bwrap]), and:
    known = true | "same-uid"                     #   the backend cannot stop it (always / when the
                                                  #   worker runs as the grader's own uid)
    leak = "secret" | "shadow" | "tcp" | "udp" | "unix" | "canary" | "process" | "neighbour" | "reported"
                                                  #   what shows the hole ("reported": the attack
                                                  #   says "LEAKED:" itself)

Files may use placeholders the harness fills in: ``@HIDDEN_TEST@``, ``@RUBRIC@``,
``@REFERENCE@``, ``@CANARY_DIR@``, ``@TCP_PORT@``, ``@UDP_PORT@``, ``@UNIX_SOCKET@``,
``@ABSTRACT_SOCKET@``, ``@MARKER@``, ``@HOST_ROOT@``, ``@NEIGHBOUR@``.

Every grading is checked for leaks whatever the case says: the host's listeners must
not have been reached, the canary folder must be as it was, no process carrying the
marker may survive, the neighbour process must still run, no scratch folder may be left behind, and no secret (hidden
tests, rubric, reference, the host's files and listeners' banner, a neighbour's
environment, ``/etc/shadow``) may appear in any message or output. A contained
case must show none of them; a known hole must show the one it names.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.pipeline import run_pipeline
from grader.results.models import SubmissionResult
from grader.rubric import load_rubric
from grader.sandbox import choose_backend

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
PROJECT = HERE / "project"
FAMILIES = ("escape", "tampering", "resources", "wire", "lying", "archives", "integrity")

#: the last is the TA-only answer key of the integrity rubric: no student-facing text may hold it
SECRETS = ("SECRET-MARKER-7f3a", "REDTEAM-RUBRIC-MARKER-51c2", "REDTEAM-REFERENCE-MARKER-9d04",
           "REDTEAM-KEY-MARKER-6b1f")
#: an escape sequence other than rich's own colours (SGR): a student's bytes reaching the TA's terminal
_FOREIGN_ESCAPE = re.compile(r"\x1b(?!\[[0-9;]*m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f\x80-\x9f\u202a-\u202e]")
HOST_BANNER = "HOST-SECRET-b81e"
ENV_SECRET = "GRADER-ENV-SECRET-4c7d"
ENV_NAME = "GRADER_REDTEAM_TOKEN"


@dataclass(frozen=True)
class Expectation:
    outcome: str = "graded"
    item: str = ""
    message: str = ""
    output: str = ""
    intact: tuple[str, ...] = ()
    known: bool = False
    leak: str = ""
    #: a regex on the workspace's file list, joined with commas
    files: str = ""
    #: exactly what ``item`` must score (None: less than its maximum)
    points: float | None = None


@dataclass(frozen=True)
class Case:
    family: str
    name: str
    folder: Path
    attack: str
    stopped_by: str
    assignment: str
    limits: dict[str, Any]
    pending: str
    #: a protection the host must offer for the case's expectation to hold ("cgroup")
    needs: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"

    def expectation(self, backend: str, *, worker_same_uid: bool) -> Expectation:
        merged = {k: v for k, v in self.raw.items() if not isinstance(v, dict)}
        merged.update(self.raw.get(backend, {}))
        known = merged.get("known", False)
        if known == "same-uid":
            known = worker_same_uid
        default_intact = ["2"] if self.assignment == "redteam" else []
        return Expectation(
            outcome=merged.get("outcome", "graded"),
            item=str(merged.get("item", "")),
            message=merged.get("message", ""),
            output=merged.get("output", ""),
            intact=tuple(merged.get("intact", default_intact)),
            known=bool(known),
            leak=merged.get("leak", ""),
            files=merged.get("files", ""),
            points=merged.get("points"),
        )


def load_cases() -> list[Case]:
    cases = []
    for family in FAMILIES:
        for folder in sorted((CORPUS / family).iterdir()):
            if not (folder / "expect.toml").is_file():
                continue
            raw = tomllib.loads((folder / "expect.toml").read_text())
            cases.append(Case(
                family=family, name=folder.name, folder=folder, attack=raw["attack"], stopped_by=raw["stopped_by"],
                assignment=raw.get("assignment", "redteam"), limits=raw.get("limits", {}),
                pending=raw.get("pending", ""), needs=raw.get("needs", ""), raw=raw,
            ))
    return cases


# --------------------------------------------------------------------------- the host under attack


class Host:
    """What the attacks aim at on the grader's machine, and what it saw of them."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="redteam-host-"))
        os.chmod(self.root, 0o755)
        self.canary = self.root / "canary"
        self.canary.mkdir()
        os.chmod(self.canary, 0o1777)  # world-writable, like /tmp: only isolation keeps a worker out
        (self.canary / "keep.txt").write_text("canary")
        for name in ("secret.txt", "plot.txt"):  # what a link planted by a worker would point at
            (self.root / name).write_text(HOST_BANNER)
            os.chmod(self.root / name, 0o644)
        self.marker = f"redteam-daemon-{uuid.uuid4().hex[:8]}"
        self.tcp_hits = 0
        self.udp_hits = 0
        self.unix_hits = 0
        self._stop = threading.Event()
        self._tcp = socket.create_server(("127.0.0.1", 0))
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        self.unix_path = self.root / "host.sock"
        self._unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._unix.bind(str(self.unix_path))
        os.chmod(self.unix_path, 0o777)
        self._unix.listen(8)
        self.abstract_name = f"redteam-{uuid.uuid4().hex[:8]}"
        self._abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._abstract.bind("\0" + self.abstract_name)
        self._abstract.listen(8)
        self._threads = [threading.Thread(target=self._serve, args=(s, kind), daemon=True)
                         for s, kind in ((self._tcp, "tcp"), (self._unix, "unix"), (self._abstract, "unix"))]
        self._threads.append(threading.Thread(target=self._serve_udp, daemon=True))
        for thread in self._threads:
            thread.start()
        # a neighbour process with a secret in its environment, as another grading job would be
        self.neighbour_marker = f"redteam-neighbour-{uuid.uuid4().hex[:8]}"
        self._neighbour = self._start_neighbour()

    def _start_neighbour(self) -> subprocess.Popen:
        return subprocess.Popen(["bash", "-c", f"exec -a {self.neighbour_marker} sleep 3600"],
                                env={"PATH": "/usr/bin:/bin", ENV_NAME: ENV_SECRET},
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    def neighbour_alive(self) -> bool:
        """Whether the neighbour survived; a dead one is restarted for the next case."""
        if self._neighbour.poll() is None:
            return True
        self._neighbour = self._start_neighbour()
        return False

    def _serve(self, server: socket.socket, kind: str) -> None:
        server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            setattr(self, f"{kind}_hits", getattr(self, f"{kind}_hits") + 1)
            try:
                conn.sendall(HOST_BANNER.encode())
            except OSError:
                pass
            conn.close()

    def _serve_udp(self) -> None:
        self._udp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                self._udp.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            self.udp_hits += 1

    def placeholders(self) -> dict[str, str]:
        tests = PROJECT / "rubrics" / "redteam" / "tests" / "test_redteam.py"
        return {
            "@HIDDEN_TEST@": str(tests),
            "@RUBRIC@": str(PROJECT / "rubrics" / "redteam" / "rubric.yaml"),
            "@REFERENCE@": str(PROJECT / "reference" / "redteam" / "calc.py"),
            "@CANARY_DIR@": str(self.canary),
            "@TCP_PORT@": str(self._tcp.getsockname()[1]),
            "@UDP_PORT@": str(self._udp.getsockname()[1]),
            "@UNIX_SOCKET@": str(self.unix_path),
            "@ABSTRACT_SOCKET@": self.abstract_name,
            "@MARKER@": self.marker,
            "@HOST_ROOT@": str(self.root),
            "@NEIGHBOUR@": self.neighbour_marker,
        }

    def snapshot(self) -> dict[str, Any]:
        return {"tcp": self.tcp_hits, "udp": self.udp_hits, "unix": self.unix_hits, "scratch": _scratch_dirs()}

    def canary_state(self) -> list[tuple[str, str]]:
        return sorted((p.name, p.read_text(errors="replace") if p.is_file() else "<not a file>")
                      for p in self.canary.iterdir())

    def reset_canary(self) -> None:
        for path in self.canary.iterdir():
            if path.name != "keep.txt":
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        (self.canary / "keep.txt").write_text("canary")

    def marker_processes(self) -> list[int]:
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if self.marker.encode() in cmdline:
                found.append(int(pid))
        return found

    def close(self) -> None:
        self._stop.set()
        for s in (self._tcp, self._udp, self._unix, self._abstract):
            s.close()
        self._neighbour.kill()
        self._neighbour.wait()
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------- grading


def materialize(case: Case, dest: Path, host: Host) -> Path:
    """Write the case's submission under ``dest`` (placeholders filled in) and return its path."""
    make = case.folder / "make.py"
    if make.exists():
        spec = importlib.util.spec_from_file_location(f"redteam_make_{case.family}_{case.name}", make)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.build(dest, host)
    submission = dest / "submission"
    submission.mkdir(parents=True)
    fills = host.placeholders()
    for path in sorted(case.folder.rglob("*")):
        if path.name in ("expect.toml",) or path.is_dir() or "__pycache__" in path.parts:
            continue
        target = submission / path.relative_to(case.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        for key, value in fills.items():
            data = data.replace(key.encode(), value.encode())
        target.write_bytes(data)
    for shared in sorted(case.folder.parent.glob("_*.py")):  # helpers a family's attacks share
        (submission / shared.name).write_bytes(shared.read_bytes())
    return submission


#: the corpus variant graded by ONE warm bwrap backend: each case forked from the zygote the previous one used
WARM = "bwrap-warm"
_warm_backend: Any = None


def shared_warm_backend() -> Any:
    """The warm ``BwrapBackend`` every ``bwrap-warm`` grading of this test session shares."""
    global _warm_backend
    if _warm_backend is None:
        from grader.sandbox.bwrap import BwrapBackend

        _warm_backend = BwrapBackend(forbidden_roots=(PROJECT,), warm=True)
    return _warm_backend


def close_shared_warm_backend() -> None:
    global _warm_backend
    if _warm_backend is not None:
        _warm_backend.close()
        _warm_backend = None


def expectation_backend(backend: str) -> str:
    """The ``expect.toml`` section (and baseline) a backend variant uses: warm bwrap is held to bwrap's."""
    return "bwrap" if backend == WARM else backend


def grade_submission(submission: Path, *, assignment: str, backend: str,
                     limits: dict[str, Any] | None = None) -> SubmissionResult:
    rubric = load_rubric(PROJECT / "rubrics" / assignment / "rubric.yaml")
    if limits:
        rubric = rubric.model_copy(update={"limits": rubric.limits.model_copy(update=limits)})
    chosen = shared_warm_backend() if backend == WARM else choose_backend(backend, forbidden_roots=(PROJECT,))
    return run_pipeline(submission, rubric=rubric, tests_dir=PROJECT / "rubrics" / assignment / "tests",
                        backend=chosen)


def _scratch_dirs() -> set[str]:
    """The grader's scratch folders in the temp dir (a worker's copy lives in one)."""
    return {p.name for p in Path(tempfile.gettempdir()).glob("grader-run-*")}


def _shadow_line() -> str:
    try:
        first = Path("/etc/shadow").read_text().splitlines()[0]
    except (OSError, IndexError):
        return ""
    return first[:24]


SHADOW = _shadow_line()


def everything_shown(result: SubmissionResult) -> str:
    """Every text of a result a student or TA can see."""
    parts = [result.reason, *result.warnings, *result.sandbox_warnings, *result.notes]
    for item in result.items:
        parts += [*item.messages, item.output, item.instructor_detail, item.note, item.title]
    return "\n".join(parts)


def leaks(result: SubmissionResult, host: Host, before: dict[str, Any]) -> set[str]:
    """Every sign that an attack reached something it should not have."""
    found = set()
    shown = everything_shown(result)
    if any(secret in shown for secret in (*SECRETS, HOST_BANNER, ENV_SECRET)):
        found.add("secret")
    if SHADOW and SHADOW in shown:
        found.add("shadow")
    if "LEAKED:" in shown:  # the attack's own report that it got what it was after
        found.add("reported")
    if _FOREIGN_ESCAPE.search(terminal_summary(result)):
        found.add("terminal")
    if _scratch_dirs() - before["scratch"]:
        found.add("leftover")
    after = host.snapshot()
    for kind in ("tcp", "udp", "unix"):
        if after[kind] > before[kind]:
            found.add(kind)
    if host.canary_state() != [("keep.txt", "canary")]:
        found.add("canary")
    if host.marker_processes():
        found.add("process")
    if not host.neighbour_alive():
        found.add("neighbour")
    return found


def terminal_summary(result: SubmissionResult) -> str:
    """What ``grader grade`` prints for ``result`` on a colour terminal."""
    import io

    from rich.console import Console

    from grader.report.terminal import print_summary

    out = io.StringIO()
    print_summary(result, console=Console(file=out, force_terminal=True, color_system="truecolor", width=160))
    return out.getvalue()


def item_of(result: SubmissionResult, item_id: str):  # type: ignore[no-untyped-def]
    for item in result.items:
        if item.id == item_id:
            return item
    raise AssertionError(f"no item {item_id} in {[i.id for i in result.items]}")


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.DOTALL) is not None


# --------------------------------------------------------------------------- one case, end to end


def check_case(case: Case, backend: str, host: Host, baseline: Any, tmp_path: Path) -> None:
    """Grade ``case`` under ``backend`` and assert what its ``expect.toml`` says (for any backend's suite).

    Contained cases must show no leak; a ``known`` hole must show the leak it names, so a
    regression or a fix in either direction fails.
    """
    from grader.results.models import Outcome

    same_uid = backend == "rlimit" and not choose_backend("rlimit").drops_privileges
    expect = case.expectation(expectation_backend(backend), worker_same_uid=same_uid)
    host.reset_canary()
    submission = materialize(case, tmp_path, host)
    before = host.snapshot()
    result = grade_submission(submission, assignment=case.assignment, backend=backend, limits=case.limits)
    if backend == "docker":  # a container whose worker was killed is removed by a background thread
        from grader.sandbox.docker import wait_for_removals

        wait_for_removals()
    found = leaks(result, host, before)
    summary = summarize(result, found)

    if expect.known:
        assert expect.leak, f"{case.id}: a known hole must name the leak that shows it"
        assert expect.leak in found, f"{case.id} is marked as a known hole under {backend} but did not leak " \
                                     f"{expect.leak!r}: has it been fixed? Update its expect.toml.\n{summary}"
    else:
        assert not found, f"{case.id} leaked {sorted(found)} under {backend}\n{summary}"

    assert result.outcome.value == expect.outcome, summary
    if result.outcome is Outcome.NOT_GRADABLE:
        assert matches(expect.message, result.reason), summary
        return
    if expect.files:
        assert matches(expect.files, ",".join(result.files)), summary
    if not expect.item:
        assert matches(expect.message, "\n".join(m for i in result.items for m in i.messages)), summary
    else:
        failed = item_of(result, expect.item)
        assert failed.points < failed.max_points, f"{case.id}: item {expect.item} should lose points\n{summary}"
        if expect.points is not None:
            assert failed.points == expect.points, f"{case.id}: item {expect.item} should score {expect.points}\n{summary}"
        text = "\n".join(failed.messages)
        assert matches(expect.message, text), f"{case.id}: message /{expect.message}/ not in:\n{summary}"
        if expect.output:
            assert matches(expect.output, failed.output), f"{case.id}: output /{expect.output}/ not in:\n{summary}"
    reference = baseline(case.assignment, expectation_backend(backend))
    for item_id in expect.intact:
        assert item_of(result, item_id).points == item_of(reference, item_id).points, \
            f"{case.id}: item {item_id} should score as the reference does (grading goes on)\n{summary}"


def summarize(result: SubmissionResult, found: set[str]) -> str:
    lines = [f"outcome={result.outcome.value} reason={result.reason!r} leaks={sorted(found)}"]
    for item in result.items:
        lines.append(f"  [{item.id}] {item.points:g}/{item.max_points:g} {item.status.value}: "
                     + " | ".join(item.messages)[:1500])
        if item.output.strip():
            lines.append(f"      output: {item.output[-600:]!r}")
    lines += [f"  warning: {w}" for w in result.warnings]
    return "\n".join(lines)
