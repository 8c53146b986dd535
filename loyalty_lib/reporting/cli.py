"""The ``loyalty`` command: ``loyalty report [options]`` runs the reports of reports.yaml;
``loyalty init FILE [FILE...] [--output PATH]`` writes a first reports.yaml for one's own
exports (sources guessed from each file's header and first rows, TODOs for what it cannot
decide).

``--jobs N`` runs N reports at once (default: the number of cores; ``--jobs 1`` one after
another); the outputs and exit statuses are the same whatever N. ``--cell-timeout SECONDS``
replaces reports.yaml's ``cell_timeout`` for this run (a larger log than usual).

Exit status: 0 when every report succeeded, 1 when one failed or an input changed (or the
run could not be written or published: a full disk), 2 on a bad configuration, override or
run id (nothing was run; also when another process is writing the same run id), 130 when
interrupted (nothing published). Every failure ends in one sentence on stderr, never in a
traceback (``LOYALTY_DEBUG=1`` shows the traceback of an unexpected error).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from collections.abc import Sequence

from loyalty_lib.errors import ReportRunError
from loyalty_lib.reporting.config import (
    ReportConfigError,
    load_config,
    parse_overrides,
    whole_seconds,
)
from loyalty_lib.reporting.jobs import default_jobs
from loyalty_lib.reporting.runner import _INTERRUPTED, _describe_error, _terminate, run_reports

__all__ = ["main"]


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of reports to run at once (1 or more)"
        )
    return value


def _seconds(text: str) -> int:
    try:
        seconds = whole_seconds(float(text))
    except ValueError:
        seconds = None
    if seconds is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a positive number of seconds (e.g. --cell-timeout 3600)"
        )
    return seconds  # as cell_timeout in reports.yaml


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyalty report",
        description="Run the report notebooks listed in reports.yaml and publish HTML.",
    )
    parser.add_argument("--config", default="reports.yaml", help="default: reports.yaml")
    parser.add_argument("--output-dir", default="reports", help="default: reports")
    parser.add_argument(
        "--run-id", help="folder name of the run (default: the UTC time to the microsecond)"
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this report (repeatable)"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="[REPORT.]PARAM=VALUE",
        help="override a notebook parameter (repeatable)",
    )
    parser.add_argument("--kernel", help="Jupyter kernel (default: from reports.yaml)")
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"reports run at once, each in its own kernel (default: the cores, here "
        f"{default_jobs()}; 1: one after another, with per-cell progress bars)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="the longest a notebook cell may run (default: cell_timeout of reports.yaml, "
        "else 600); for one run on a larger log than usual",
    )
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bar")
    parser.add_argument("--list", action="store_true", help="list the reports and exit")
    return parser


def _init(args: Sequence[str]) -> int:
    """``loyalty init``: guess a declaration per file and write a commented reports.yaml."""
    from pathlib import Path

    from loyalty_lib.errors import DataQualityError
    from loyalty_lib.inputs.datasets import DATA_DIR
    from loyalty_lib.inputs.guess import guess_source, render_config

    parser = argparse.ArgumentParser(
        prog="loyalty init",
        description="Write a first reports.yaml for your own sales and survey exports.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV, TSV, Excel or Parquet")
    parser.add_argument("--output", default="my-reports.yaml", help="default: my-reports.yaml")
    parser.add_argument("--force", action="store_true", help="overwrite the output file")
    opts = parser.parse_args(list(args))
    output = Path(opts.output)
    if output.exists() and not opts.force:
        print(f"loyalty init: {output} exists; choose another --output or --force", file=sys.stderr)
        return 2
    guesses = []
    for name in opts.files:
        try:
            guesses.append(guess_source(name))
        except (FileNotFoundError, DataQualityError, ValueError) as exc:
            print(f"loyalty init: {name}: {exc}", file=sys.stderr)
            return 2
    keys = [g.key for g in guesses]
    for i, g in enumerate(guesses):
        if keys.count(g.key) > 1:
            g.key = f"{g.key}_{i + 1}"
    text = render_config(guesses, output=output, notebooks=DATA_DIR.parent / "notebooks")
    output.write_text(text, encoding="utf-8")
    todos = sum(len(g.todo) for g in guesses)
    for g in guesses:
        print(f"{g.path}: {g.kind} source {g.key!r}, columns {g.columns}")
    print(f"wrote {output}: {todos} TODO(s) to settle, then `loyalty report --config {output}`")
    try:
        load_config(output)
    except ReportConfigError as exc:
        print(f"  not runnable yet: {exc}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``loyalty report`` and ``loyalty init``; 0 when all went well."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "init":
        return _init(args[1:])
    if args and args[0] == "report":
        args = args[1:]
    opts = _build_parser().parse_args(args)
    try:
        return _report(opts)
    except Exception as exc:  # the last resort: a sentence, the traceback only on request
        if os.environ.get("LOYALTY_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"loyalty report: unexpected error ({type(exc).__name__}: {first[:300]}); "
            "nothing more was published and reports/latest is unchanged. Set "
            "LOYALTY_DEBUG=1 to see the traceback, and please report it",
            file=sys.stderr,
        )
        return 1


def _report(opts: argparse.Namespace) -> int:
    try:
        config = load_config(opts.config)
        if opts.kernel:
            config = dataclasses.replace(config, kernel=opts.kernel)
        if opts.cell_timeout:
            config = dataclasses.replace(config, cell_timeout=opts.cell_timeout)
        if opts.list:
            for spec in config.reports:
                print(f"{spec.name}\t{spec.notebook.name}\t{spec.title}")
            return 0
        previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGINT, signal.SIGTERM)}
        _INTERRUPTED.clear()
        try:
            summary = run_reports(
                config,
                output_dir=opts.output_dir,
                run_id=opts.run_id,
                only=opts.only,
                overrides=parse_overrides(opts.parameter),
                progress=not opts.no_progress,
                jobs=opts.jobs or default_jobs(),
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    except ReportConfigError as exc:
        print(f"loyalty report: {exc}", file=sys.stderr)
        return 2
    except ReportRunError as exc:
        print(f"loyalty report: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "loyalty report: interrupted; nothing of this run was published and "
            "reports/latest is unchanged",
            file=sys.stderr,
        )
        return 130
    verb = "was recorded earlier (not run again)" if summary.reused else "finished"
    not_run = [r for r in summary.reports if r.status == "not run"]
    failed = [r for r in summary.failed if r.status != "not run"]
    counts = f"{len(summary.reports) - len(summary.failed)} ok, {len(failed)} failed"
    print(
        f"Run {summary.run_id} {verb}: {counts}"
        + (f", {len(not_run)} not run" if not_run else "")
        + f" -> {summary.folder / 'index.html'}"
    )
    for line in _lists_and_changes(summary):
        print(line)
    for r in failed:
        print(
            f"  FAILED {r.name} ({r.notebook or 'no notebook written'}): "
            f"{_describe_error(r.error)}",
            file=sys.stderr,
        )
    for r in not_run:
        print(f"  NOT RUN {r.name}: {(r.error or {}).get('sentence', '')}", file=sys.stderr)
    for path in summary.inputs_changed:
        print(f"  input changed during the run: {path}", file=sys.stderr)
    if summary.latest:
        print(summary.latest, file=sys.stdout if summary.ok else sys.stderr)
    return 0 if summary.ok else 1


def _lists_and_changes(summary) -> list[str]:
    """The console lines on the analyst lists (where, which files, how many rows) and on the
    key figures that changed beyond noise since the previous complete run, per report."""
    lines = []
    listed = [r for r in summary.reports if r.private_files]
    if listed:
        lines.append(
            f"Analyst lists in {summary.folder / 'private'}/ (customer ids: keep them out of "
            "anything published with the HTML):"
        )
        for r in listed:
            files = []
            for item in r.private_files:
                name = str(item["file"]).split("/", 2)[-1]  # private/<report>/<name>
                rows = item.get("rows")
                files.append(name if rows is None else f"{name} ({rows:,} rows)")
            lines.append(f"  {r.name}/: {', '.join(files)}")
    compared = [r for r in summary.reports if r.since_last]
    if compared:
        family = compared[0].since_last.get("family", 0)
        lines.append(
            "Since the last run (z-test on the two values, Holm-adjusted over the "
            f"{family} figures tested):"
        )
        for r in compared:
            since = r.since_last
            for change in since["beyond_noise"]:
                p = change["p_value_adjusted"]
                p_text = "< 0.001" if p < 0.001 else f"= {p:.2g}"
                lines.append(
                    f"  {r.name}: {change['label']}: {change['previous']} -> {change['now']}, "
                    f"beyond noise (Holm-adjusted p {p_text}; run {since['previous_run']})"
                )
            if not since["beyond_noise"]:
                lines.append(
                    f"  {r.name}: no change beyond noise ({since['tested']} of "
                    f"{since['compared']} figures tested against run {since['previous_run']})"
                )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
