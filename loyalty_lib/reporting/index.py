"""The run's index page: every report under its headline, and the executive summary."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["index_html"]


def _interval_text(item: dict[str, Any]) -> str:
    level = item.get("confidence")
    prefix = f"{float(level):.0%}: " if isinstance(level, int | float) else ""
    return f"{prefix}{item['interval'][0]} to {item['interval'][1]}"


def _summary_table(summary: Any) -> str:
    """The executive summary: every key figure of the run, each linked to its report."""
    esc = html.escape
    rows = []
    for r in summary.reports:
        for item in r.kpis:
            interval = item.get("interval")
            base = item.get("base")
            base_text = f"{base:,} {item.get('base_unit', '')}" if base is not None else ""
            rows.append(
                "<tr>"
                f'<td><a href="{esc(r.html or "")}">{esc(str(item.get("label", "")))}</a>'
                f'<div class="meta">{esc(r.title)}</div></td>'
                f'<td class="num"><strong>{esc(str(item.get("text", "")))}</strong></td>'
                f'<td class="num">{esc(_interval_text(item)) if interval else ""}</td>'
                f'<td class="num">{esc(base_text)}</td>'
                f"<td>{esc(str(item.get('note', '')))}</td>"
                "</tr>"
            )
    if not rows:
        return ""
    return (
        '<h2>Executive summary</h2>\n<table class="kpis"><thead><tr><th>measure</th>'
        "<th>value</th><th>interval</th><th>base</th><th>reading</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>\n<h2>Reports</h2>"
    )


def _markdown_inline(text: str) -> str:
    """Markdown to HTML with any raw HTML escaped (headlines quote untrusted names)."""
    import mistune

    return mistune.create_markdown(escape=True)(text)


def index_html(summary: Any, describe_error: Any) -> str:
    esc = html.escape
    failed = summary.failed
    status = (
        "All reports ran successfully."
        if not failed
        else f"{len(failed)} of {len(summary.reports)} reports failed; "
        "the last complete run is still at reports/latest."
    )
    if summary.inputs_changed:
        status += (
            f" Input files changed while the run was going on "
            f"({', '.join(summary.inputs_changed[:5])}): its results are not trusted."
        )
    elif summary.inputs:
        status += f" {len(summary.inputs)} input files were unchanged by the run (SHA-256)."
    items = []
    for r in summary.reports:
        link = f'<a href="{esc(r.html)}">{esc(r.title)}</a>' if r.html else esc(r.title)
        if r.status == "ok":
            body = _markdown_inline(r.headline) if r.headline else "<p>(no headline)</p>"
            badge = '<span class="ok">ok</span>'
        else:
            body = f'<p class="error">{esc(describe_error(r.error))}</p>'
            badge = '<span class="failed">failed</span>'
        items.append(
            f"<li><h2>{link} {badge}</h2>{body}"
            f'<p class="meta">{esc(r.name)} · {r.seconds:.1f} s</p></li>'
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Loyalty reports · run {esc(summary.run_id)}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 900px; margin: 2rem auto;
  padding: 0 1rem; color: #222; }}
ul {{ list-style: none; padding: 0; }}
li {{ border-bottom: 1px solid #ddd; padding: 0.8rem 0; }}
h2 {{ font-size: 1.15rem; margin: 0 0 0.3rem; }}
.ok {{ color: #1a7f37; font-size: 0.8rem; }} .failed {{ color: #c62828; font-size: 0.8rem; }}
.error {{ color: #c62828; }} .meta {{ color: #666; font-size: 0.8rem; margin: 0; }}
table.kpis {{ border-collapse: collapse; width: 100%; font-size: 0.95rem; }}
table.kpis th, table.kpis td {{ border-bottom: 1px solid #ddd; padding: 0.35rem 0.5rem;
  text-align: left; vertical-align: top; }}
table.kpis td.num {{ text-align: right; white-space: nowrap; }}
</style>
</head>
<body>
<h1>Loyalty reports</h1>
<p>Run {esc(summary.run_id)}, started {esc(summary.started)} UTC,
{summary.seconds:.0f} s. {esc(status)}</p>
{_summary_table(summary)}
<ul>
{chr(10).join(items)}
</ul>
</body>
</html>
"""
