"""Grade a folder of submissions: plan from the journal, run on an executor, commit, render.

::

    discover -> hash -> plan (journal: skip, full, or only some items) -> dedupe identical
      -> executor (local pool | Ray) -> commit each answer -> per-student reports
      -> gradebooks and the class summary, from the journal

``run_batch`` is the one entry point (the CLI is a thin wrapper); its ``on_event`` callback
is how a progress bar learns what happens. It never raises for what a submission does.

Planning, per student:

- no record, a different submission hash, or ``--student``/``--force``: grade it all;
- a record whose rubric fingerprint differs in its global part: grade it all; in some items
  only: grade those items and keep the rest (``--only`` adds items by hand);
- a record with a grader error is kept unless ``--retry-errors``;
- otherwise it is done and skipped.

Identical submissions (same bytes) are graded once and the result is copied to the others
(``dedupe``; grading is deterministic: same code, same seeds). Every copy is flagged
``identical:`` in the gradebook either way.

Ctrl-C (SIGINT) once: nothing new starts, the running submissions finish and are committed,
the exports are written from the journal. Twice: the running ones are stopped too (they are
not committed, so the next run grades them). Run the same command again to resume.
"""

from __future__ import annotations

import difflib
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.batch.discover import (
    Discovery,
    Submission,
    discover_submissions,
    stage_submission,
)
from grader.batch.executors import (
    EXECUTORS,
    GRADE_FUNCTION,
    Executor,
    ExecutorUnavailable,
    make_executor,
)
from grader.batch.fingerprint import Fingerprint, file_sha256, rubric_fingerprint, submission_sha256
from grader.batch.journal import Journal, Manifest, Record, Timing, now
from grader.batch.manual import load_manual
from grader.batch.outputs import class_view, write_class_outputs, write_student_outputs
from grader.batch.summary import SummaryLink
from grader.batch.work import pack_assignment
from grader.results.models import ItemResult, ItemStatus, Outcome, SubmissionResult

__all__ = ["BatchOptions", "BatchReport", "BatchEvent", "BatchUsageError", "run_batch", "render_outputs",
           "default_jobs", "TRUSTED_SIDE_MB"]

#: memory the trusted side of one grading needs (pytest, torch, the hidden tests), in MiB
TRUSTED_SIDE_MB = 768
#: the batch stops a task that runs this long past the rubric's wall limit (the engine should stop it first)
TASK_MARGIN_S = 300.0
_HISTORY = 20


class BatchUsageError(ValueError):
    """The command was used wrongly (unknown item, unknown student, a folder of another batch)."""


@dataclass(frozen=True)
class BatchOptions:
    """Every knob of a batch, with its default; the CLI passes its flags through unchanged."""

    #: parallel workers; None: what this machine's cores and memory allow (``default_jobs``)
    jobs: int | None = None
    executor: str = "local"
    #: Ray cluster address (``ray start --head`` prints it); None starts a local Ray
    address: str | None = None
    #: sandbox backend name; None: the strongest that works on the machine that grades
    backend: str | None = None
    #: fork each worker from a warm sandbox that imported torch once (local pool, bwrap as root)
    warm: bool = True
    #: regrade these items for every (selected) student
    only: tuple[str, ...] = ()
    #: regrade these students (by student id)
    students: tuple[str, ...] = ()
    force: bool = False
    retry_errors: bool = False
    dedupe: bool = True
    layout: str | None = None
    canvas_column: str = ""
    #: dotted path of the function a worker calls with each task (tests replace it)
    function: str = GRADE_FUNCTION


@dataclass(frozen=True)
class BatchEvent:
    """What happened: ``planned``, ``running``, ``started``, ``finished``, ``stopping``, ``abandoning``, ``exporting``.

    ``planned.to_grade`` counts the submissions that will really be graded (copies of an
    identical one are not); ``planned.done`` + ``to_grade`` + the copies make the class.
    """

    kind: str
    key: str = ""
    record: Record | None = None
    total: int = 0
    to_grade: int = 0
    done: int = 0
    failed: int = 0
    message: str = ""
    #: ``running``: how many submissions the executor grades at once
    slots: int = 0


@dataclass
class BatchReport:
    out_dir: Path
    assignment: str
    layout: str
    students: int = 0
    graded: int = 0
    copied: int = 0
    skipped: int = 0
    failed: int = 0
    grader_errors: int = 0
    interrupted: bool = False
    elapsed_s: float = 0.0
    executor: str = ""
    jobs: int = 0
    jobs_reason: str = ""
    not_submissions: list[tuple[str, str]] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    #: why warm workers could not be used (grading went on with fresh ones), as the workers said
    warm_problems: list[str] = field(default_factory=list)


@dataclass
class _Task:
    submission: Submission
    grade_path: Path
    sha256: str
    #: None: grade everything; else only these items (the rest come from ``previous``)
    items: tuple[str, ...] | None
    previous: Record | None
    attempts: int = 0
    started: float = 0.0
    #: students whose identical submissions get a copy of this result
    followers: list["_Task"] = field(default_factory=list)


def default_jobs(limits: Any) -> tuple[int, str]:
    """Workers this machine can run at once under ``limits``: one per core, if memory allows."""
    cpus = _cpu_count()
    per_job = limits.memory_mb + TRUSTED_SIDE_MB
    free_mb = _available_memory_mb()
    by_memory = max(1, free_mb // per_job) if free_mb else cpus
    jobs = max(1, min(cpus, by_memory))
    reason = (f"{jobs} worker{'s' if jobs != 1 else ''}: {cpus} CPU{'s' if cpus != 1 else ''}; "
              f"{free_mb / 1024:.1f} GiB free memory allows {by_memory} at {limits.memory_mb} MiB "
              f"(the rubric's limit) + {TRUSTED_SIDE_MB} MiB each")
    return jobs, reason


def _cpu_count() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    try:  # a container's CPU quota (cgroup v2)
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def _available_memory_mb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


# -- the batch ---------------------------------------------------------------------------


def run_batch(
    submissions_dir: Path,
    *,
    assignment: str,
    out_dir: Path,
    options: BatchOptions = BatchOptions(),
    root: Path | None = None,
    on_event: Callable[[BatchEvent], None] | None = None,
) -> BatchReport:
    """Grade every submission in ``submissions_dir`` that the journal in ``out_dir`` lacks."""
    from grader.api import load_assignment

    started = time.monotonic()
    emit = on_event or (lambda event: None)
    _check_executor(options)
    paths, rubric = load_assignment(assignment, root=root)
    _check_items(options.only, rubric)
    discovery = discover_submissions(Path(submissions_dir), required_files=rubric.required_files,
                                     layout=options.layout)
    _check_students(options.students, discovery)
    fingerprint = rubric_fingerprint(rubric, paths.tests_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport(out_dir=out_dir, assignment=assignment, layout=discovery.layout,
                         students=len(discovery.submissions), not_submissions=discovery.skipped)
    with Journal(out_dir) as journal:
        manifest = _manifest(journal, assignment, Path(submissions_dir), discovery, options)
        records = journal.load()
        tasks = _plan(discovery, records, fingerprint, options, out_dir / ".staging")
        report.skipped = len(discovery.submissions) - len(tasks)
        if options.jobs is not None:
            jobs, report.jobs_reason = max(1, options.jobs), "--jobs"
        elif options.executor == "ray":
            jobs, report.jobs_reason = 0, "the cluster's CPUs"
        else:
            jobs, report.jobs_reason = default_jobs(rubric.limits)
        leaders = _dedupe(tasks, records, fingerprint, options.dedupe)
        copied_now = _copy_from_journal(leaders, records, journal, fingerprint, options, out_dir, report)
        leaders = [t for t in leaders if t not in copied_now]
        copies = sum(len(t.followers) for t in leaders)
        done_word = "already done or not chosen" if options.students else "already done"
        emit(BatchEvent("planned", total=len(discovery.submissions), to_grade=len(leaders),
                        done=report.skipped + report.copied,
                        message=f"{len(leaders)} to grade, {copies + report.copied} identical copies"
                                + (f" ({report.copied} from the journal)" if report.copied else "")
                                + f", {report.skipped} {done_word}"))
        if leaders:
            _execute(leaders, journal, rubric, fingerprint, paths, options, jobs, root, out_dir, report, emit)
        emit(BatchEvent("exporting", message="writing reports, gradebooks and the class summary"))
        report.outputs = render_outputs(out_dir, journal=journal, rubric=rubric,
                                        canvas_column=manifest.canvas_column, skipped=manifest.skipped)
        final = journal.load()
        report.failed = sum(1 for r in final.values() if r.result.outcome is not Outcome.GRADED)
        report.grader_errors = sum(1 for r in final.values() if r.result.outcome is Outcome.GRADER_ERROR)
    report.elapsed_s = round(time.monotonic() - started, 3)
    return report


def render_outputs(out_dir: Path, *, journal: Journal, rubric, canvas_column: str = "",  # type: ignore[no-untyped-def]
                   force: bool = False, skipped: tuple[tuple[str, str], ...] = (),
                   links: tuple[SummaryLink, ...] = ()) -> dict[str, Path]:
    """Every report and export, from the journal and the TA's manual scores.

    ``skipped`` (what discovery did not grade) and ``links`` (other class pages, such as a
    similarity report) are shown on the summary page.
    """
    views = class_view(journal.load(), load_manual(out_dir))
    for view in views:
        write_student_outputs(view, out_dir, force=force)
    # the TA-only similarity pages (grader similarity, batch --similarity), linked whenever they exist
    from grader.similarity.links import similarity_links

    links = (*links, *similarity_links(out_dir))
    return write_class_outputs(views, out_dir, rubric=rubric, title=rubric.title, canvas_column=canvas_column,
                               skipped=skipped, links=links)


def _manifest(journal: Journal, assignment: str, folder: Path, discovery: Discovery,
              options: BatchOptions) -> Manifest:
    old = journal.read_manifest()
    if old is not None and old.assignment != assignment:
        raise BatchUsageError(f"{journal.out_dir} holds a batch of {old.assignment!r}, not {assignment!r}; "
                              "give another output folder (-o)")
    manifest = Manifest(assignment=assignment, submissions_dir=str(folder.resolve()), layout=discovery.layout,
                        created_at=old.created_at if old else now(),
                        canvas_column=options.canvas_column or (old.canvas_column if old else ""),
                        skipped=tuple(discovery.skipped))
    if manifest != old:
        journal.write_manifest(manifest)
    return manifest


def _check_executor(options: BatchOptions) -> None:
    if options.executor not in EXECUTORS:
        raise ExecutorUnavailable(f"unknown executor {options.executor!r}; choose one of: {', '.join(EXECUTORS)}")
    if options.address and options.executor != "ray":
        raise ExecutorUnavailable("--address is for --executor ray; the local pool runs on this machine")


def _check_items(only: tuple[str, ...], rubric) -> None:  # type: ignore[no-untyped-def]
    known = [i.id for i in rubric.items]
    unknown = [i for i in only if i not in known]
    if unknown:
        raise BatchUsageError(f"--only {', '.join(unknown)}: no such item in {rubric.assignment}; "
                              f"items: {', '.join(known)}")


def _check_students(students: tuple[str, ...], discovery: Discovery) -> None:
    known = [s.student.id for s in discovery.submissions]
    for sid in students:
        if sid not in known:
            close = difflib.get_close_matches(sid, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise BatchUsageError(f"--student {sid}: no submission for that student in this folder{hint}")


# -- planning -------------------------------------------------------------------------------


def _plan(discovery: Discovery, records: dict[str, Record], fingerprint: Fingerprint, options: BatchOptions,
          staging: Path) -> list[_Task]:
    tasks = []
    chosen = set(options.students)
    for sub in discovery.submissions:
        if chosen and sub.student.id not in chosen:
            continue
        sha = submission_sha256(sub)
        previous = records.get(sub.key)
        items = _what_to_grade(previous, sha, fingerprint, options, bool(chosen))
        if items == ():
            continue
        tasks.append(_Task(sub, stage_submission(sub, staging), sha, items, previous))
    return tasks


def _what_to_grade(previous: Record | None, sha: str, fingerprint: Fingerprint, options: BatchOptions,
                   student_chosen: bool) -> tuple[str, ...] | None:
    """None: everything; a tuple of item ids: those only; (): nothing."""
    if previous is None or previous.submission_sha256 != sha or options.force:
        return None
    if student_chosen and not options.only:
        return None
    if previous.result.outcome is Outcome.GRADER_ERROR:
        return None if options.retry_errors else ()
    changed = fingerprint.changed_items(previous.fingerprint)
    if changed is None:
        return None
    removed = set(previous.fingerprint.items) - set(fingerprint.items)
    wanted = tuple(dict.fromkeys((*changed, *options.only)))
    if not wanted and not removed:
        return ()
    if previous.result.outcome is Outcome.NOT_GRADABLE:
        return None
    return wanted


def _dedupe(tasks: list[_Task], records: dict[str, Record], fingerprint: Fingerprint, on: bool) -> list[_Task]:
    """One leader per identical submission among full gradings; the others follow it."""
    if not on:
        return tasks
    leaders: list[_Task] = []
    by_sha: dict[str, _Task] = {}
    for task in tasks:
        if task.items is not None:
            leaders.append(task)
            continue
        leader = by_sha.get(task.sha256)
        if leader is None:
            by_sha[task.sha256] = task
            leaders.append(task)
        else:
            leader.followers.append(task)
    return leaders


def _copy_from_journal(leaders: list[_Task], records: dict[str, Record], journal: Journal,
                       fingerprint: Fingerprint, options: BatchOptions, out_dir: Path,
                       report: BatchReport) -> list[_Task]:
    """Full gradings whose identical twin is already in the journal, graded under this very rubric."""
    if not options.dedupe:
        return []
    current = {}
    for record in records.values():
        if (record.fingerprint == fingerprint and record.result.outcome is not Outcome.GRADER_ERROR
                and not record.timing.reused_from and record.submission_sha256 not in current):
            current[record.submission_sha256] = record
    done = []
    for task in leaders:
        source = current.get(task.sha256)
        if task.items is not None or source is None or source.key == task.submission.key:
            continue
        for member in (task, *task.followers):
            _commit_copy(journal, member, source, fingerprint, options)
            report.copied += 1
        done.append(task)
    return done


# -- running --------------------------------------------------------------------------------


class _Interrupts:
    """SIGINT handler for the batch: counts presses instead of raising at a random line."""

    def __init__(self) -> None:
        self.count = 0
        self._old: Any = None

    def __enter__(self) -> "_Interrupts":
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _execute(leaders: list[_Task], journal: Journal, rubric, fingerprint: Fingerprint, paths,  # type: ignore[no-untyped-def]
             options: BatchOptions, jobs: int, root: Path | None, out_dir: Path, report: BatchReport,
             emit: Callable[[BatchEvent], None]) -> None:
    pack = pack_assignment(paths.root, rubric.assignment) if options.executor == "ray" else None
    executor: Executor = make_executor(options.executor, jobs=jobs or None, address=options.address,
                                       task_timeout_s=rubric.limits.wall_s + TASK_MARGIN_S,
                                       assignment_pack=pack, function=options.function)
    pending = deque(leaders)
    running: dict[str, _Task] = {}
    done = report.skipped + report.copied
    failed = 0
    manual = load_manual(out_dir)
    with _Interrupts() as interrupts:
        executor.start()
        report.executor, report.jobs = executor.describe(), executor.slots
        emit(BatchEvent("running", to_grade=len(leaders), slots=executor.slots, message=executor.describe()))
        announced = 0
        try:
            while pending or running:
                if interrupts.count >= 1 and announced < 1:
                    announced = 1
                    pending.clear()
                    report.interrupted = True
                    emit(BatchEvent("stopping", done=done, failed=failed,
                                    message=f"stopping: letting {len(running)} running submission(s) finish; "
                                            "press Ctrl-C again to stop them too"))
                if interrupts.count >= 2:
                    emit(BatchEvent("abandoning", message=f"stopping {len(running)} running submission(s); "
                                                          "they will be graded on the next run"))
                    executor.abandon()
                    running.clear()
                    break
                while pending and executor.free_slots() > 0:
                    task = pending.popleft()
                    task.attempts += 1
                    task.started = time.monotonic()
                    running[task.submission.key] = task
                    executor.submit(_task_message(task, rubric, paths, options, root))
                    emit(BatchEvent("started", key=task.submission.key))
                for answer in executor.poll(0.25):
                    task = running.pop(answer["key"], None)
                    if task is None:
                        continue
                    if answer.get("worker_died") and task.attempts < 2 and not interrupts.count:
                        pending.appendleft(task)  # once more, on a fresh worker
                        continue
                    problem = answer.get("warm_problem")
                    if isinstance(problem, str) and problem[:300] not in report.warm_problems:
                        report.warm_problems.append(problem[:300])
                    for record in _commit_answer(journal, task, answer, rubric, fingerprint, options):
                        view = class_view({record.key: record}, manual)[0]
                        write_student_outputs(view, out_dir)
                        done += 1
                        report.graded += 0 if record.timing.reused_from else 1
                        report.copied += 1 if record.timing.reused_from else 0
                        bad = record.result.outcome is not Outcome.GRADED
                        failed += bad
                        emit(BatchEvent("finished", key=record.key, record=record, done=done, failed=failed))
        finally:
            executor.close()


def _task_message(task: _Task, rubric, paths, options: BatchOptions,  # type: ignore[no-untyped-def]
                  root: Path | None) -> dict[str, Any]:
    from grader.batch.work import pack_tree

    message: dict[str, Any] = {
        "key": task.submission.key, "assignment": rubric.assignment, "backend": options.backend,
        # Ray's worker processes can end with SIGKILL, which would leave a warm sandbox's mount behind
        "warm": options.warm and options.executor == "local",
        "regrade_items": list(task.items) if task.items is not None else None,
        "previous": task.previous.result.model_dump_json() if task.items is not None and task.previous else None,
    }
    if options.executor == "ray":
        message["submission"] = pack_tree(task.grade_path)
        message["root"] = None
    else:
        message["submission"] = str(task.grade_path)
        message["root"] = str(paths.root)
    return message


def _commit_answer(journal: Journal, task: _Task, answer: dict[str, Any], rubric, fingerprint: Fingerprint,  # type: ignore[no-untyped-def]
                   options: BatchOptions) -> list[Record]:
    wall = round(time.monotonic() - task.started, 3)
    if "result" in answer:
        try:
            result = SubmissionResult.model_validate_json(answer["result"])
        except ValueError as exc:
            result = grader_error_result(rubric, task.grade_path.name, f"the worker's answer was not a result: {exc}")
    else:
        result = grader_error_result(rubric, task.grade_path.name, str(answer.get("error", "no answer")))
    what = "graded" if task.items is None else f"regraded items {', '.join(task.items) or '(none: re-finalised)'}"
    timing = Timing(grade_s=result.duration_s, worker_s=float(answer.get("worker_s", 0.0)), wall_s=wall)
    record = _record(task, result, fingerprint, timing, options, str(answer.get("host", "")), what)
    journal.commit(record)
    records = [record]
    for follower in task.followers:
        if result.outcome is Outcome.GRADER_ERROR:
            copy = grader_error_result(rubric, follower.grade_path.name, "not graded: the grader failed on the "
                                       f"identical submission of {task.submission.student.id}")
            records.append(_record(follower, copy, fingerprint, Timing(reused_from=task.submission.key), options,
                                   "", "not graded (identical submission failed)"))
            journal.commit(records[-1])
        else:
            records.append(_commit_copy(journal, follower, record, fingerprint, options))
    return records


def _commit_copy(journal: Journal, task: _Task, source: Record, fingerprint: Fingerprint,
                 options: BatchOptions) -> Record:
    result = personalise(source.result, source=source, task=task)
    record = _record(task, result, fingerprint, Timing(reused_from=source.key), options, source.host,
                     f"copied from the identical submission of {source.student.id}")
    journal.commit(record)
    return record


#: fields of a result that hold data, not words: never rewritten when a copy is personalised
_OPAQUE_FIELDS = {"data_b64", "sha256", "assignment", "grader_version", "started_at", "media_type"}


def personalise(result: SubmissionResult, *, source: Record, task: _Task) -> SubmissionResult:
    """A copied result as if graded for ``task``'s student: their submission's name and id, not the source's.

    Identical submissions have the same graded files (names and content), so what differs is
    how the submission itself is named (``heidi.zip``, a Canvas staging folder named by the
    student's key) and who the student is. Every text of the result is rewritten from the
    source's names to the copy's; a whole-word match only, so an id inside another word or in
    an image's data is left alone.
    """
    import re

    follower = task.submission
    pairs = {
        Path(source.submission_path).name: follower.path.name if not follower.files else task.grade_path.name,
        source.result.submission: task.grade_path.name,
        source.key: follower.key,
        source.student.id: follower.student.id,
    }
    if source.student.name and follower.student.name:
        pairs[source.student.name] = follower.student.name
    if source.student.email and follower.student.email:
        pairs[source.student.email] = follower.student.email
    pairs = {old: new for old, new in pairs.items() if len(old) >= 2 and old != new}
    if pairs:
        pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(o) for o in sorted(pairs, key=len, reverse=True))
                             + r")(?![\w-])")

        def rewrite(value: Any, key: str = "") -> Any:
            if key in _OPAQUE_FIELDS:
                return value
            if isinstance(value, str):
                return pattern.sub(lambda m: pairs[m.group(1)], value)
            if isinstance(value, list):
                return [rewrite(v) for v in value]
            if isinstance(value, dict):
                return {k: rewrite(v, k) for k, v in value.items()}
            return value

        result = SubmissionResult.model_validate(rewrite(result.model_dump(mode="json")))
    update: dict[str, Any] = {"submission": task.grade_path.name}
    own = follower.path
    if not follower.files and own.is_file() and not own.is_symlink():
        update["sha256"] = file_sha256(own)  # what intake reports for a file: its bytes, the student's own
    return result.model_copy(update=update)


def _record(task: _Task, result: SubmissionResult, fingerprint: Fingerprint, timing: Timing,
            options: BatchOptions, host: str, what: str) -> Record:
    stamp = now()
    history = (task.previous.history if task.previous else ()) + (f"{stamp.isoformat(timespec='seconds')} {what}",)
    return Record(key=task.submission.key, student=task.submission.student,
                  submission_path=str(task.submission.path.resolve()) if not task.submission.files
                  else str(task.grade_path.resolve()),
                  submission_sha256=task.sha256, layout=task.submission.layout, fingerprint=fingerprint,
                  result=result, timing=timing, committed_at=stamp, executor=options.executor, host=host,
                  history=history[-_HISTORY:])


def grader_error_result(rubric, submission_name: str, detail: str) -> SubmissionResult:  # type: ignore[no-untyped-def]
    """A flagged result for a submission the grader failed on outside the pipeline (never a silent zero)."""
    from grader._version import __version__

    items = tuple(
        ItemResult(id=item.id, title=item.title, points=0.0, max_points=item.points, status=ItemStatus.ERROR,
                   messages=("Not graded: the grader itself failed; your instructor has been told. "
                             "This is not a problem with your submission.",),
                   note=item.note, extra_credit=item.extra_credit, instructor_detail=detail)
        for item in rubric.items)
    return SubmissionResult(
        assignment=rubric.assignment, assignment_title=rubric.title, submission=submission_name, sha256="",
        outcome=Outcome.GRADER_ERROR, items=items, total_points=rubric.total,
        reason="the batch grader failed outside the grading pipeline (details in the instructor report)",
        started_at=now(), duration_s=0.0, grader_version=__version__, seed=rubric.seed)

