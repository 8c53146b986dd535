"""The report runner: execute every report notebook with papermill and publish HTML.

``loyalty report`` (:mod:`loyalty_lib.reporting.cli`, or ``python -m loyalty_lib``) reads
``reports.yaml``, runs each
notebook with its parameters in a fresh kernel and writes ``reports/<run-id>/``:

- ``<name>.ipynb``: the executed notebook (for analysts; it keeps the code);
- ``<name>.html``: the stakeholder page, without code, self-contained (no request leaves the
  machine when it is opened);
- ``index.html``: links to every report under its headline;
- ``summary.json``: per report, its status, duration, parameters and, on failure, the cell
  and the error; the analyst lists it left in ``private/<name>/`` (file names and row
  counts) and its key figures that changed beyond noise since the previous complete run;
- ``private/<name>/``: customer lists for the analyst (``analyst_file``), never linked from a
  page and never to be published with the HTML (the folder is readable by its owner only).

A run is written to a staging folder and renamed into place only when every notebook has been
attempted, so a run killed half-way never leaves a half-written ``reports/<run-id>``.
``reports/latest`` is a symbolic link to the last run in which every report succeeded; a run
with a failed notebook is kept (with its error) but never becomes ``latest``, and an earlier
run is never overwritten or deleted. An interrupted run (Ctrl-C, SIGTERM) removes its staging
folder; one killed outright (SIGKILL, power loss) leaves only a hidden ``.staging-*`` folder,
which the next run removes.

Asking again for a run id that already exists does not run anything: the runner returns the
recorded result of that run (same summary, same exit status), so a retried scheduled job
is idempotent. If the request differs (other reports or parameters), it is refused.

The input files (the notebooks, the bundled data, any parameter naming a file) are hashed
with SHA-256 before and after the run; ``summary.json`` records the digests, and a run whose
inputs changed while it ran is not trusted: it fails and never becomes ``latest``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from loyalty_lib.errors import ReportRunError
from loyalty_lib.reporting.chart_safety import KERNEL_SETUP_CODE
from loyalty_lib.reporting.config import (
    ReportConfigError,
    ReportSpec,
    RunConfig,
    _check_name,
    _notebook_parameters,
    _resolve_parameters,
)
from loyalty_lib.reporting.html import _headline, _kpis, notebook_to_html
from loyalty_lib.reporting.index import index_html
from loyalty_lib.reporting.jobs import KernelGroup, kernel_manager_class
from loyalty_lib.reporting.run_files import (
    RunLocked,
    hash_inputs,
    input_files,
    point_latest,
    remove_stale_files,
    run_lock,
    sha256,
)

__all__ = [
    "ReportOutcome",
    "RunSummary",
    "run_reports",
]


@dataclass
class ReportOutcome:
    """What happened to one report in a run."""

    name: str
    title: str
    status: str  # "ok", "failed" or "not run" (after a full disk)
    seconds: float
    parameters: dict[str, Any]
    notebook: str | None = None
    html: str | None = None
    headline: str | None = None
    kpis: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    titles: dict[str, str] = field(default_factory=dict)  # language -> title (the index)
    #: the analyst lists the report wrote: ``{"file": "private/<name>/x.csv", "rows": n}``
    #: (rows: data rows of a CSV file, header excluded; None for other files)
    private_files: list[dict[str, Any]] = field(default_factory=list)
    #: its key figures against the previous complete run (:mod:`.since_last`): the run,
    #: how many were compared and tested, and those beyond noise; None on a first run
    since_last: dict[str, Any] | None = None


@dataclass
class RunSummary:
    """The outcome of a run; ``ok`` is true when every report succeeded on unchanged inputs.

    ``inputs`` lists every input file with its SHA-256 before and after the run;
    ``reused`` is true when the run id existed and its recorded result was returned;
    ``complete`` is true when the run covers every report of the configuration (not a
    subset chosen with ``--only``): only a complete, successful run becomes ``latest``.
    ``latest`` says what this call did to ``reports/latest`` (one sentence).
    """

    run_id: str
    folder: Path
    started: str
    seconds: float
    reports: list[ReportOutcome]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    reused: bool = False
    complete: bool = True
    latest: str = ""
    latest_moved: bool = False

    @property
    def inputs_changed(self) -> list[str]:
        return [i["path"] for i in self.inputs if i.get("sha256") != i.get("sha256_after")]

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.reports) and not self.inputs_changed

    @property
    def failed(self) -> list[ReportOutcome]:
        return [r for r in self.reports if r.status != "ok"]


def _new_run_id() -> str:
    """The UTC time to the microsecond, e.g. ``20261123T060000.123456Z``: sortable and
    folder-safe; :func:`run_reports` adds ``-2``, ``-3``... if that id is taken."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _recorded_run(
    final: Path, specs: Sequence[ReportSpec], parameters: dict[str, dict[str, Any]]
) -> RunSummary:
    """The summary of an existing run, if this request is the same one; else refuse."""
    try:
        data = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportConfigError(
            f"{final} exists but has no readable summary.json; it is never overwritten: "
            "choose another --run-id"
        ) from exc
    recorded = {r["name"]: r.get("parameters", {}) for r in data.get("reports", [])}
    asked = {s.name: _plain(parameters[s.name]) for s in specs}
    if recorded != asked:
        raise ReportConfigError(
            f"run id {final.name!r} already exists with other reports or parameters "
            f"({sorted(recorded)} vs {sorted(asked)} requested); a run is never overwritten: "
            "choose another --run-id"
        )
    fields = set(ReportOutcome.__dataclass_fields__)
    outcomes = [
        ReportOutcome(**{k: v for k, v in r.items() if k in fields}) for r in data["reports"]
    ]
    return RunSummary(
        data["run_id"],
        final,
        data["started"],
        float(data["seconds"]),
        outcomes,
        inputs=data.get("inputs", []),
        reused=True,
        complete=bool(data.get("complete", False)),
    )


def run_reports(
    config: RunConfig,
    *,
    output_dir: str | Path = "reports",
    run_id: str | None = None,
    only: Sequence[str] | None = None,
    overrides: dict[str | None, dict[str, Any]] | None = None,
    progress: bool = True,
    log=print,
    jobs: int = 1,
) -> RunSummary:
    """Run the configured reports into ``output_dir/run_id`` and update ``latest``.

    Every notebook is attempted even when an earlier one fails. ``jobs`` reports run at
    once, each in its own kernel (``jobs=1``: one after another, with per-cell progress
    bars when ``progress``; more: no progress bars, one console line as each report starts
    and ends); the outputs, their order and the statuses do not depend on it. Raises
    :class:`ReportConfigError` before running anything when the selection, the overrides or
    the run id are invalid. When ``output_dir/run_id`` already exists, nothing is run: the
    recorded result is returned (``reused=True``) if it was made for the same reports and
    parameters, otherwise :class:`ReportConfigError` is raised. On ``KeyboardInterrupt``
    (or SIGTERM under :func:`main`) the staging folder is removed before the interrupt
    propagates; nothing is published.
    """
    specs = list(config.reports)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ReportConfigError(f"--jobs {jobs!r}: the number of reports run at once is 1 or more")
    if only:
        unknown = sorted(set(only) - {s.name for s in specs})
        if unknown:
            raise ReportConfigError(
                f"--only: no report named {unknown}; reports: {[s.name for s in specs]}"
            )
        specs = [s for s in specs if s.name in set(only)]
    complete = len(specs) == len(config.reports)
    parameters = _resolve_parameters(specs, overrides or {})
    specs = [_titled(s, parameters[s.name], config) for s in specs]
    if run_id is not None:
        _check_run_id(run_id)
    output_dir = Path(output_dir).resolve()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportConfigError(
            f"cannot write in {output_dir} ({exc.strerror or exc}): nothing was run; choose "
            "another --output-dir or make it writable"
        ) from None
    with _locked_run_id(output_dir, run_id) as run_id:
        final = output_dir / run_id
        if final.exists():
            summary = _recorded_run(final, specs, parameters)
            log(
                f"run {run_id} already exists (started {summary.started} UTC): not run "
                "again; its recorded result follows"
            )
            _publish(output_dir, summary, log, retry=True)
            return summary
        for name in remove_stale_files(output_dir):
            log(f"removed {name}, left behind by a run that was killed")
        staging = output_dir / f".staging-{run_id}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
        except OSError as exc:
            raise ReportConfigError(
                f"cannot write in {output_dir} ({exc.strerror or exc}): nothing was run; "
                "choose another --output-dir or make it writable"
            ) from None
        try:
            # customer lists: readable by the owner only (a web server serving reports/
            # as another user cannot read them, even through reports/latest)
            (staging / PRIVATE).mkdir(mode=0o700)
            summary = _run_all(
                specs, parameters, config, staging, final, run_id, progress, log, jobs
            )
            summary.complete = complete
            _record_private_files(summary, staging)
            _record_since_last(summary)
            _write_run_files(staging, summary)
            try:
                os.rename(staging, final)
            except OSError as exc:  # e.g. ENOTEMPTY: a folder made without the lock
                why = "appeared during the run" if final.exists() else "could not be created"
                raise ReportRunError(
                    f"run {run_id} could not be moved into place ({exc.strerror or exc}): "
                    f"{final} {why}; nothing was published and reports/latest is unchanged"
                ) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(output_dir, summary, log, retry=False)
    return summary


def _check_run_id(run_id: str) -> None:
    _check_name(run_id, "run id")
    if run_id == "latest":
        raise ReportConfigError("run id 'latest' is the name of the link to the last run")


@contextlib.contextmanager
def _locked_run_id(output_dir: Path, run_id: str | None):
    """Hold the lock of ``run_id`` for the whole run; a default id that is taken (a folder
    or a lock of that name: two runs started in one microsecond) gets a suffix instead."""
    if run_id is not None:
        try:
            with run_lock(output_dir, run_id):
                yield run_id
        except RunLocked as exc:
            raise ReportConfigError(
                f"another run is writing run {run_id!r} (process {exc.pid}): nothing was run; "
                "wait until it finishes, then ask again (the same id then returns its "
                "recorded result)"
            ) from None
        except OSError as exc:
            if exc.filename and Path(exc.filename).name == f".lock-{run_id}":
                raise ReportConfigError(
                    f"cannot write in {output_dir} ({exc.strerror or exc}): nothing was run; "
                    "choose another --output-dir or make it writable"
                ) from None
            raise
        return
    base = _new_run_id()
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}-{n}"
        if (output_dir / candidate).exists():
            continue
        try:
            with run_lock(output_dir, candidate):
                if (output_dir / candidate).exists():  # finished between the checks
                    raise RunLocked(candidate, "")
                yield candidate
            return
        except RunLocked:
            continue
    raise ReportRunError(f"no free run id after {base}-999: pass --run-id")


def _latest_key(output_dir: Path) -> tuple[str, str] | None:
    """``(started, run id)`` of the run ``latest`` points to, None when there is none."""
    link = output_dir / "latest"
    try:
        data = json.loads((link / "summary.json").read_text(encoding="utf-8"))
        return (str(data["started"]), str(data["run_id"]))
    except (OSError, ValueError, KeyError):
        return None


def _publish(output_dir: Path, summary: RunSummary, log, *, retry: bool) -> None:
    """Point ``latest`` at a complete, successful run; say why not otherwise.

    ``retry``: the run folder existed already. If it is a complete successful run whose
    publication was cut short (killed between the rename and the link), the move is
    finished, unless ``latest`` already points to a run started later.
    """
    if not summary.ok:
        summary.latest = "reports/latest unchanged (this run had failures)"
        return
    if not summary.complete:
        summary.latest = (
            "reports/latest unchanged: this run covers part of the configuration (--only); "
            "latest only moves for a complete run of every report"
        )
        return
    link = output_dir / "latest"
    if link.is_symlink() and os.readlink(link) == summary.run_id:
        summary.latest = f"reports/latest is {summary.run_id}"
        return
    current = _latest_key(output_dir)
    if retry and current is not None and current > (summary.started, summary.run_id):
        summary.latest = (
            f"reports/latest unchanged: it points to a later complete run ({current[1]})"
        )
        return
    try:
        point_latest(output_dir, summary.run_id)
    except OSError as exc:
        raise ReportRunError(
            f"run {summary.run_id} is complete in {summary.folder}, but reports/latest could "
            f"not be moved to it ({exc.strerror or exc}); run the same command again to "
            "finish the publication"
        ) from None
    summary.latest_moved = True
    summary.latest = f"reports/latest -> {summary.run_id}"
    if retry:
        log(f"run {summary.run_id} had not been published as latest: publication finished")


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


_BUNDLED_TITLES = {
    "demo": N_("demo shop"),
    "cdnow": N_("CDNOW (real data 1997-98)"),
    "none": N_("no survey"),
}


def _source_title(name: Any, config: RunConfig, language: str = "en") -> str:
    """The display name load_sales/load_survey give a source, known without reading it
    (a bundled source's name in ``language``)."""
    from loyalty_lib.i18n import use_language

    key = str(name or "")
    if key in config.sources:
        return config.sources[key].title or key
    if key.lower() in _BUNDLED_TITLES:
        return use_language(language).gettext(_BUNDLED_TITLES[key.lower()])
    return Path(key).stem or key


def _titled(spec: ReportSpec, parameters: dict[str, Any], config: RunConfig) -> ReportSpec:
    """The spec with its page title (in the report's language) and its title in every
    language (the index shows the one of the run's language)."""
    from loyalty_lib.i18n import LANGUAGES

    titles = {lang: _page_title(spec, parameters, config, lang) for lang in LANGUAGES}
    language = str(parameters.get("language") or "en")
    return replace(spec, title=titles.get(language) or titles["en"], titles=titles)


def _page_title(
    spec: ReportSpec, parameters: dict[str, Any], config: RunConfig, language: str = "en"
) -> str:
    """The report title in ``language``, ``{sales}`` and ``{survey}`` filled with the
    sources' titles.

    A title such as ``"The 80/20 split ({sales})"`` then never names a bundled data set
    when the source is overridden (``-p sales_source=shop``). A language without a title of
    its own (reports.yaml ``title:`` as a mapping) gets the default title, with the bundled
    sources named in that title's language.
    """
    own = spec.titles or {}
    if language in own:
        return _fill_title(spec, parameters, config, own[language], language)
    # the default title: English, or the run's default language when it has no English one
    written_in = next((lang for lang, text in own.items() if text == spec.title), "en")
    return _fill_title(spec, parameters, config, spec.title, written_in)


def _fill_title(
    spec: ReportSpec, parameters: dict[str, Any], config: RunConfig, title: str, language: str
) -> str:
    if "{" not in title:
        return title
    import ast

    declared = _notebook_parameters(spec.notebook)
    values = {}
    for field_name, parameter in (("sales", "sales_source"), ("survey", "survey_source")):
        if parameter in parameters:
            values[field_name] = _source_title(parameters[parameter], config, language)
        elif parameter in declared:
            default = ast.literal_eval(str(declared[parameter]["default"]))
            values[field_name] = _source_title(default, config, language)
    try:
        return title.format_map(values)
    except (KeyError, ValueError, IndexError) as exc:
        raise ReportConfigError(
            f"report {spec.name}: title {title!r} has a placeholder that cannot be "
            f"filled ({exc}); use {{sales}} or {{survey}} where the notebook has "
            "sales_source or survey_source, and {{{{ }}}} for a literal brace"
        ) from None


def _run_all(
    specs: Sequence[ReportSpec],
    parameters: dict[str, dict[str, Any]],
    config: RunConfig,
    staging: Path,
    final: Path,
    run_id: str,
    progress: bool,
    log,
    jobs: int = 1,
) -> RunSummary:
    """Run every report into ``staging``; write summary.json and index.html there."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    inputs = hash_inputs(input_files(specs, parameters, config.root), config.root)
    if jobs > 1 and len(specs) > 1:
        order = start_order(specs, previous_seconds(final.parent))
        outcomes = _run_parallel(specs, parameters, config, staging, run_id, jobs, log, order)
    else:
        outcomes = _run_sequential(specs, parameters, config, staging, run_id, progress, log)
    for item in inputs:
        item["sha256_after"] = sha256(item.pop("file"))
    summary = RunSummary(
        run_id, final, started, time.perf_counter() - clock, outcomes, inputs=inputs
    )
    for path in summary.inputs_changed:
        log(f"input {path} changed while the run was going on: the run is not trusted")
    return summary


def _end_line(i: int, total: int, outcome: ReportOutcome) -> str:
    status = "ok" if outcome.status == "ok" else _describe_error(outcome.error)
    return f"[{i}/{total}] {outcome.name}: {status} ({outcome.seconds:.1f} s)"


def _run_sequential(specs, parameters, config, staging, run_id, progress, log):
    """One report after another in this thread (``--jobs 1``)."""
    outcomes: list[ReportOutcome] = []
    full_disk: str | None = None
    for i, spec in enumerate(specs, start=1):
        _stop_if_interrupted()
        if full_disk is not None:
            outcome = _not_run(spec, parameters[spec.name], full_disk)
            log(f"[{i}/{len(specs)}] {spec.name}: {_describe_error(outcome.error)}")
            outcomes.append(outcome)
            continue
        log(f"[{i}/{len(specs)}] {spec.name}: running {spec.notebook.name} ...")
        outcome = _run_one(spec, parameters[spec.name], config, staging, run_id, progress)
        _stop_if_interrupted()  # an interrupt swallowed while waiting on the kernel
        log(_end_line(i, len(specs), outcome))
        outcomes.append(outcome)
        if outcome.error and outcome.error.get("disk_full"):
            full_disk = spec.name
    return outcomes


#: How long an interrupted parallel run waits for its workers once their kernels are
#: terminated (nbclient notices a dead kernel within about a second).
_DRAIN_SECONDS = 60.0


def previous_seconds(output_dir: Path) -> dict[str, float]:
    """Each report's duration in the run ``latest`` points to (empty when there is none)."""
    try:
        data = json.loads((output_dir / "latest" / "summary.json").read_text(encoding="utf-8"))
        return {
            str(r["name"]): float(r["seconds"])
            for r in data.get("reports", [])
            if r.get("status") == "ok"
        }
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def start_order(specs: list, seconds: dict[str, float]) -> list[int]:
    """Positions of ``specs`` in the order a parallel run starts them: longest first.

    Durations come from the last complete run. A report without one (new, renamed) counts
    as long as the longest known, so it is not left to the end; ties, and a run with no
    earlier durations at all, keep the configuration's order. Starting the long reports
    first keeps the run from ending on one long report started last.

    >>> from types import SimpleNamespace as S
    >>> start_order([S(name="a"), S(name="b"), S(name="c")], {"a": 5.0, "b": 30.0})
    [1, 2, 0]
    >>> start_order([S(name="a"), S(name="b")], {})
    [0, 1]
    """
    longest = max(seconds.values(), default=0.0)
    return sorted(range(len(specs)), key=lambda i: (-seconds.get(specs[i].name, longest), i))


def _run_parallel(specs, parameters, config, staging, run_id, jobs, log, order=None):
    """Up to ``jobs`` reports at once, each in a worker thread driving its own kernel.

    Reports start in ``order`` (positions in ``specs``; default the configuration's order:
    :func:`start_order` puts the longest first) and the outcomes keep the configuration's
    order, as do the ``[i/n]`` numbers of the console lines. After a
    full disk, reports not yet started are recorded as not run (as in a sequential run).
    On an interrupt (KeyboardInterrupt in this thread, raised by :func:`_terminate` or by
    Ctrl-C), reports not yet started never start, running kernels are terminated, the
    workers are waited for (so nothing writes in the staging folder once it is removed),
    the reports that did not start are listed, and the interrupt propagates.
    """
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    total = len(specs)
    group = KernelGroup()
    lock = threading.Lock()
    full_disk: list[str] = []
    printing = threading.Lock()
    print_line = log

    def log(line: str) -> None:  # print() writes the text and the newline in two calls
        with printing:
            print_line(line)

    def work(i: int, spec: ReportSpec) -> ReportOutcome | None:
        with lock:
            if group.stopping:
                return None  # interrupted before it started
            full = full_disk[0] if full_disk else None
        if full is not None:
            outcome = _not_run(spec, parameters[spec.name], full)
            log(f"[{i}/{total}] {spec.name}: {_describe_error(outcome.error)}")
            return outcome
        log(f"[{i}/{total}] {spec.name}: running {spec.notebook.name} ...")
        try:
            outcome = _run_one(
                spec, parameters[spec.name], config, staging, run_id, False, group=group
            )
        finally:
            _close_thread_loop()
        if group.stopping:
            return outcome  # stopped by the interrupt: not logged as a failure
        with lock:
            if outcome.error and outcome.error.get("disk_full") and not full_disk:
                full_disk.append(spec.name)
        log(_end_line(i, total, outcome))
        return outcome

    executor = ThreadPoolExecutor(max_workers=min(jobs, total), thread_name_prefix="report")
    order = list(range(total)) if order is None else list(order)
    submitted = {k: executor.submit(work, k + 1, specs[k]) for k in order}
    futures = [submitted[k] for k in range(total)]  # the configuration's order
    try:
        pending = set(futures)
        while pending:
            _stop_if_interrupted()
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        _stop_if_interrupted()
    except BaseException:
        with lock:
            group.stop()
        for future in futures:
            future.cancel()
        _drain(futures, group)
        for i, (spec, future) in enumerate(zip(specs, futures, strict=True), start=1):
            never_started = future.cancelled() or (
                future.done() and future.exception() is None and future.result() is None
            )
            if never_started:
                log(f"[{i}/{total}] {spec.name}: not run (the run was interrupted)")
        raise
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return [future.result() for future in futures]


def _close_thread_loop() -> None:
    """Close the asyncio loop nbclient made for this worker thread (one per report; a
    loop left open is a ResourceWarning when the thread's context is collected)."""
    import asyncio

    with contextlib.suppress(RuntimeError):  # no loop in this thread
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_running() and not loop.is_closed():
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
    asyncio.set_event_loop(None)


def _drain(futures, group: KernelGroup) -> None:
    """Wait for the running workers after an interrupt; a second interrupt does not cut it
    short (the staging folder is removed only when no worker writes in it any more)."""
    from concurrent.futures import wait

    deadline = time.monotonic() + _DRAIN_SECONDS
    while time.monotonic() < deadline:
        try:
            group.stop()  # a kernel that was starting when the interrupt came
            _, pending = wait(futures, timeout=0.5)
            if not pending:
                return
        except KeyboardInterrupt:
            continue


#: The run's folder of analyst files: ``<run>/private/<report>/`` (``analyst_file``).
PRIVATE = "private"


def _csv_rows(path: Path) -> int | None:
    """Data rows of a CSV file (header excluded; quoted line breaks kept in their row)."""
    import csv

    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    except (OSError, csv.Error):
        return None


def _record_private_files(summary: RunSummary, staging: Path) -> None:
    """Each report's files in ``private/<name>/``, with the row count of each CSV file."""
    for outcome in summary.reports:
        folder = staging / PRIVATE / outcome.name
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        outcome.private_files = [
            {
                "file": str(p.relative_to(staging).as_posix()),
                "rows": _csv_rows(p) if p.suffix.lower() == ".csv" else None,
            }
            for p in files
        ]


def _record_since_last(summary: RunSummary) -> None:
    """Per report, its key figures against the previous complete run (the index's test)."""
    from loyalty_lib.reporting.since_last import since_last

    changes = since_last(summary)
    for outcome in summary.reports:
        mine = [c for (report, _), c in changes.items() if report == outcome.name]
        if not mine:
            outcome.since_last = None
            continue
        outcome.since_last = {
            "previous_run": mine[0].previous_run,
            "compared": len(mine),
            "tested": sum(c.tested for c in mine),
            "family": sum(c.tested for c in changes.values()),  # Holm over the whole index
            "beyond_noise": [
                {
                    "label": c.label,
                    "previous": c.previous_text,
                    "now": _kpi_text(outcome, c.label),
                    "change": round(c.change, 10),
                    "percent": c.percent,
                    "p_value": c.p_value,
                    "p_value_adjusted": c.p_value_adjusted,
                }
                for c in mine
                if c.beyond_noise
            ],
        }


def _kpi_text(outcome: ReportOutcome, label: str) -> str:
    return next((str(k.get("text", "")) for k in outcome.kpis if k.get("label") == label), "")


def _write_run_files(staging: Path, summary: RunSummary) -> None:
    """summary.json and index.html into the staging folder; a write error is a sentence."""
    try:
        (staging / "summary.json").write_text(_summary_json(summary), encoding="utf-8")
        (staging / "index.html").write_text(index_html(summary, _describe_error), encoding="utf-8")
    except OSError as exc:
        raise ReportRunError(
            f"run {summary.run_id}: could not write its summary and index in "
            f"{staging.parent} ({exc.strerror or exc}): nothing was published and "
            "reports/latest is unchanged; free some space and run again"
        ) from None


def _not_run(spec: ReportSpec, parameters: dict[str, Any], full_disk: str) -> ReportOutcome:
    msgid = N_(
        "the disk was full (report {report} could not write its outputs): free some "
        "space and run again"
    )
    values = {"report": full_disk}
    sentence = msgid.format(**values)
    return ReportOutcome(
        name=spec.name,
        title=spec.title,
        titles=dict(spec.titles),
        status="not run",
        seconds=0.0,
        parameters=parameters,
        error={
            "cell": None,
            "cell_index": None,
            "ename": "NotRun",
            "evalue": sentence,
            "sentence": sentence,
            "message": [msgid, values],
        },
    )


#: errno values of a write that cannot succeed: full disk, quota, read-only, I/O error
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


def _drop_timeout_log(record: Any) -> bool:
    """papermill's logger prints nbclient's "Timeout waiting for execute reply" on the
    console; the runner tells the timeout in its own sentence (:func:`_timeout_error`)."""
    return not str(record.msg).startswith("Timeout waiting for execute reply")


def _timeout_error(exc: Exception, executed: Path, seconds: int) -> dict[str, Any]:
    """The error of a report stopped by the cell limit: which cell, the limit, what to do.

    nbclient's exception names no cell; the executed notebook does: the timed-out cell is
    the last one papermill started.
    """
    index, count = None, None
    with contextlib.suppress(Exception):  # no notebook written: the cell stays unknown
        import nbformat

        cells = nbformat.read(str(executed), as_version=4).cells
        for i, cell in enumerate(cells):
            if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time"):
                index, count = i, cell.get("execution_count")
    values = {"seconds": seconds, "index": "?" if index is None else index + 1, "count": count}
    msgid = N_(
        "cell {index} of the notebook (In [{count}]) ran longer than the limit of {seconds} s "
        "and was stopped; raise cell_timeout in reports.yaml, or run with --cell-timeout SECONDS"
    )
    return {
        "cell": count,
        "cell_index": index,
        "ename": type(exc).__name__,
        "evalue": str(exc).splitlines()[0] if str(exc) else "",
        "sentence": msgid.format(**values),
        "message": [msgid, values],
    }


def _write_error(exc: OSError, folder: Path) -> dict[str, Any]:
    """The error of a report whose outputs could not be written (ENOSPC, EDQUOT, EIO...)."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = "the disk is full" if full else "an output could not be written"
    sentence = (
        f"{reason} ({exc.strerror or exc}) while writing its outputs in {folder.parent}: "
        + ("free some space and run again" if full else "check the reports folder")
    )
    # the page's language: the same sentence without the system's (English) error text
    msgid = (
        N_("the disk is full while writing its outputs in {folder}: free some space and run again")
        if full
        else N_("an output could not be written in {folder}: check the reports folder")
    )
    return {
        "cell": None,
        "cell_index": None,
        "ename": type(exc).__name__,
        "evalue": exc.strerror or str(exc),
        "sentence": sentence,
        "message": [msgid, {"folder": str(folder.parent)}],
        "disk_full": full,
    }


def _describe_error(error: dict[str, Any] | None, language: str = "en") -> str:
    """Why a report failed, was stopped or not run, in one line of ``language``."""
    from loyalty_lib.i18n import use_language
    from loyalty_lib.reporting.html_safety import describe_error

    return describe_error(error, use_language(language))


def _run_one(
    spec: ReportSpec,
    parameters: dict[str, Any],
    config: RunConfig,
    staging: Path,
    run_id: str,
    progress: bool,
    group: KernelGroup | None = None,
) -> ReportOutcome:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = staging / f"{spec.name}.ipynb"
    page = staging / f"{spec.name}.html"
    clock = time.perf_counter()
    error = None
    manager = kernel_manager_class(_kernel_env(config, staging, spec), group)
    papermill_log = logging.getLogger("papermill")
    if _drop_timeout_log not in papermill_log.filters:
        papermill_log.addFilter(_drop_timeout_log)
    try:
        papermill.execute_notebook(
            str(spec.notebook),
            str(executed),
            parameters=parameters,
            kernel_name=config.kernel,
            progress_bar=progress,
            cwd=str(config.root),
            execution_timeout=config.cell_timeout,
            log_output=False,
            extra_arguments=_quiet_kernel(config.kernel),
            kernel_manager_class=manager,
        )
    except PapermillExecutionError as exc:
        error = {
            "cell": exc.exec_count,
            "cell_index": exc.cell_index,
            "ename": exc.ename,
            "evalue": _error_text(exc.ename, str(exc.evalue or "")),
        }
    except Exception as exc:  # kernel died, timeout, missing kernel: record and go on
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
            error = _write_error(exc, staging)  # the executed notebook could not be written
        elif type(exc).__name__ == "CellTimeoutError":
            error = _timeout_error(exc, executed, config.cell_timeout)
        else:
            error = {
                "cell": None,
                "cell_index": None,
                "ename": type(exc).__name__,
                "evalue": str(exc).splitlines()[0] if str(exc) else "",
            }
    seconds = time.perf_counter() - clock
    headline, kpis = None, []
    if executed.exists() and not (error and error.get("disk_full")):
        from loyalty_lib.i18n import use_language

        tr = use_language(str(parameters.get("language") or "en"))
        footer = tr.gettext("Report {name} · run {run_id} · generated {when} UTC").format(
            name=spec.name, run_id=run_id, when=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
        )
        try:
            with _PAGES:  # nbconvert and the page language (i18n) are process-wide state
                html = notebook_to_html(executed, title=spec.title, footer=footer)
                headline = _headline(executed)
                kpis = _kpis(executed)
            page.write_text(html, encoding="utf-8")
        except OSError as exc:
            error = _write_error(exc, staging)
            with contextlib.suppress(OSError):
                page.unlink(missing_ok=True)  # never a truncated page
    return ReportOutcome(
        name=spec.name,
        title=spec.title,
        status="failed" if error else "ok",
        seconds=round(seconds, 2),
        parameters=parameters,
        titles=dict(spec.titles),
        notebook=executed.name if executed.exists() else None,
        html=page.name if page.exists() else None,
        headline=headline,
        kpis=kpis,
        error=error,
    )


def _quiet_kernel(kernel: str) -> list[str]:
    """Kernel options for an IPython kernel (else nothing): quiet log, chart masking.

    ipykernel logs "Kernel is running over TCP without encryption" on every start (the
    kernel listens on localhost only); the option keeps that line out of the console.
    Warnings raised by the notebook's code still reach the notebook (they are outputs,
    not kernel log lines). ``exec_lines`` runs :data:`KERNEL_SETUP_CODE` at kernel start,
    so contacts in chart labels are masked in every report, whatever its notebook does.
    """
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel).argv
    except Exception:  # unknown kernel: papermill reports it as the report's failure
        return []
    if not any("ipykernel" in a for a in argv):
        return []
    # every chart text is masked when drawn (chart_safety.py), before the first cell runs
    setup = "; ".join(KERNEL_SETUP_CODE.strip().splitlines())
    # CRITICAL: a kernel stopped at the cell limit logs its broken sockets as ERROR tracebacks;
    # the report's failure is recorded and told in one sentence instead
    return ["--IPKernelApp.log_level=CRITICAL", f"--IPKernelApp.exec_lines={setup}"]


def _kernel_env(config: RunConfig, staging: Path, spec: ReportSpec) -> dict[str, str]:
    """The environment of one report's kernel: this process's, plus

    - ``LOYALTY_PRIVATE_DIR``: ``<run>/private/<report>``, where ``analyst_file`` writes
      customer lists for the analyst (never linked from a page);
    - ``LOYALTY_CONFIG``: the run's reports.yaml, so ``load_sales("<declared name>")`` in a
      notebook reads the declarations of the file this run was started with.

    Handed to the kernel at launch (:mod:`loyalty_lib.reporting.jobs`), never written into
    ``os.environ``: reports running at once each see their own folder.
    """
    env = dict(os.environ)
    env["LOYALTY_PRIVATE_DIR"] = str(staging / PRIVATE / spec.name)
    if config.path is not None:
        env["LOYALTY_CONFIG"] = str(Path(config.path).resolve())
    return env


#: Serialises the page conversion of reports finishing at the same time.
_PAGES = threading.Lock()


def _error_text(ename: str, evalue: str) -> str:
    """The error message kept in the summary: a data-quality message whole, else line 1."""
    from loyalty_lib.inputs.privacy import mask_contacts

    evalue = evalue.strip()
    if ename == "DataQualityError":
        text = " ".join(evalue.split())
        return mask_contacts(text if len(text) <= 1500 else text[:1500] + " …")
    return mask_contacts(evalue.splitlines()[0] if evalue else "")


def _summary_json(summary: RunSummary) -> str:
    data = {
        "run_id": summary.run_id,
        "started": summary.started,
        "seconds": round(summary.seconds, 2),
        "ok": summary.ok,
        "complete": summary.complete,
        "inputs_unchanged": not summary.inputs_changed,
        "reports": [asdict(r) for r in summary.reports],
        "inputs": summary.inputs,
    }
    return json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"


#: Signals received during a run started by :func:`main`. The handler raises
#: KeyboardInterrupt at once, but code waiting on a kernel (jupyter_client, nbclient) may
#: swallow it; the runner therefore also checks this record between notebooks.
_INTERRUPTED: list[int] = []


def _terminate(signum, frame):  # noqa: ARG001 - signal handler signature
    """SIGINT/SIGTERM (Ctrl-C, a scheduler stopping the job): clean up, publish nothing."""
    _INTERRUPTED.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


def _stop_if_interrupted() -> None:
    if _INTERRUPTED:
        raise KeyboardInterrupt(f"signal {_INTERRUPTED[0]}")
