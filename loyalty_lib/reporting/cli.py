"""The ``loyalty`` command: ``loyalty report [options]`` runs the reports of reports.yaml.

Exit status: 0 when every report succeeded, 1 when one failed or an input changed, 2 on a
bad configuration or override, 130 when interrupted (nothing published).
"""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from collections.abc import Sequence

from loyalty_lib.reporting.config import ReportConfigError, load_config, parse_overrides
from loyalty_lib.reporting.runner import _INTERRUPTED, _describe_error, _terminate, run_reports

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loyalty report",
        description="Run the report notebooks listed in reports.yaml and publish HTML.",
    )
    parser.add_argument("--config", default="reports.yaml", help="default: reports.yaml")
    parser.add_argument("--output-dir", default="reports", help="default: reports")
    parser.add_argument("--run-id", help="folder name of the run (default: UTC timestamp)")
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
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bar")
    parser.add_argument("--list", action="store_true", help="list the reports and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``loyalty report``; returns 0 when every report succeeded."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "report":
        args = args[1:]
    opts = _build_parser().parse_args(args)
    try:
        config = load_config(opts.config)
        if opts.kernel:
            config = dataclasses.replace(config, kernel=opts.kernel)
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
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    except ReportConfigError as exc:
        print(f"loyalty report: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "loyalty report: interrupted; nothing of this run was published and "
            "reports/latest is unchanged",
            file=sys.stderr,
        )
        return 130
    verb = "was recorded earlier (not run again)" if summary.reused else "finished"
    print(
        f"Run {summary.run_id} {verb}: {len(summary.reports) - len(summary.failed)} ok, "
        f"{len(summary.failed)} failed -> {summary.folder / 'index.html'}"
    )
    for r in summary.failed:
        print(
            f"  FAILED {r.name} ({r.notebook or 'no notebook written'}): "
            f"{_describe_error(r.error)}",
            file=sys.stderr,
        )
    for path in summary.inputs_changed:
        print(f"  input changed during the run: {path}", file=sys.stderr)
    if summary.ok and not summary.reused:
        print(f"reports/latest -> {summary.run_id}")
    elif not summary.ok:
        print("reports/latest unchanged (this run had failures)", file=sys.stderr)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
