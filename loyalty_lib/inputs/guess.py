"""First guesses for a declaration: ``loyalty init`` reads a file's header and a sample.

:func:`guess_source` reads the first rows with the same code as the reports
(:func:`~loyalty_lib.inputs.reading.read_table`), then guesses the kind (a 0-10
recommendation question makes a survey), each column's role from its header words (English,
Russian and Ukrainian), the order of day and month, cancellations, a decimal comma.
What it cannot decide it says, as a ``TODO`` the user must settle: a guess is never silently
taken for a fact. :func:`render_config` writes the commented reports.yaml text.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from loyalty_lib.errors import DataQualityError
from loyalty_lib.inputs.dates import infer_date_format
from loyalty_lib.inputs.reading import read_table

__all__ = ["Guess", "guess_source", "render_config"]

# header words per role, matched on the lower-cased header without punctuation; the longest
# matching word decides ("invoicedate" over "invoice"), then the order of the roles
_WORDS: dict[str, tuple[str, ...]] = {
    "score": (
        "recommend",
        "рекомендовал",
        "порекомендуете",
        "порекомендовать",
        "рекомендува",
        "порекоменду",
        "likely",
        "вероятно",
        "ймовірно",
        "nps",
    ),
    "order_id": (
        "invoice no",
        "invoiceno",
        "invoice",
        "order id",
        "order number",
        "номер заказа",
        "номер чека",
        "номер замовлення",
        "заказ",
        "замовлення",
        "чек",
        "order",
    ),
    "line_id": ("stockcode", "stock code", "sku", "product id", "артикул", "товар", "product"),
    "customer": (
        "customer id",
        "customerid",
        "customer",
        "client",
        "код клиента",
        "клиент",
        "покупатель",
        "клієнт",
        "покупець",
        "external reference",
        "externalreference",
        "member",
        "user id",
    ),
    "quantity": ("quantity", "qty", "количество", "кол-во", "кількість"),
    "price": ("unit price", "unitprice", "price", "цена", "ціна"),
    "amount": (
        "amount",
        "revenue",
        "total",
        "сумма",
        "сума",
        "выручка",
        "виторг",
        "sales",
        "value",
    ),
    "timestamp": (
        "timestamp",
        "start date",
        "startdate",
        "submitted",
        "отметка времени",
        "позначка часу",
        "recorded date",
        "recordeddate",
    ),
    "date": ("invoicedate", "invoice date", "order date", "date", "дата", "день", "created"),
    "comment": ("reason", "why", "comment", "почему", "комментарий", "чому", "коментар"),
}
_SALES_ROLES = ("customer", "date", "amount", "quantity", "price", "order_id", "line_id")


@dataclass
class Guess:
    """What ``loyalty init`` found in one file."""

    key: str
    path: str
    kind: str
    info: dict[str, Any]
    columns: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    keep: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-.:?!]+", " ", header.lower()).strip()


def _role(header: str, roles: tuple[str, ...]) -> str | None:
    text = _norm(header)
    found = [
        (len(word), -rank, role)
        for rank, (role, words) in enumerate(_WORDS.items())
        if role in roles
        for word in words
        if word in text
    ]
    return max(found)[2] if found else None  # the longest word: InvoiceDate is a date


def _key(path: Path) -> str:
    stem = re.sub(r"[^0-9A-Za-z_]+", "_", path.stem).strip("_").lower()
    return stem if stem and stem[0].isalpha() else f"source_{stem or 'file'}"


def _is_rating(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values.dropna().astype(str).str.extract(r"^\s*(\d+)")[0])
    return len(numbers) > 0 and numbers.notna().all() and numbers.between(1, 5).all()


# long: one guess per role, each with its TODO when it cannot be decided
def guess_source(path: str | Path, *, rows: int = 200) -> Guess:
    """Read a file's header and first rows and guess its declaration.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "sales.csv").write_text(
    ...     "Клиент;Дата;Сумма\\n1;13.02.2024;2,5\\n", encoding="utf-8")
    >>> g = guess_source(folder / "sales.csv")
    >>> g.kind, g.columns, g.extra["decimal"]
    ('sales', {'customer': 'Клиент', 'date': 'Дата', 'amount': 'Сумма'}, ',')
    """
    path = Path(path)
    raw = read_table(path, nrows=rows)
    frame = raw.frame
    headers = [str(c) for c in frame.columns]
    survey_roles = ("score", "customer", "timestamp", "comment", "date")
    found_score = [h for h in headers if _role(h, ("score",))]
    kind = "survey" if found_score else "sales"
    roles = survey_roles if kind == "survey" else _SALES_ROLES
    columns: dict[str, Any] = {}
    for header in headers:
        role = _role(header, roles)
        if role == "date" and kind == "survey":
            role = "timestamp"
        if role and role not in columns:
            columns[role] = header
    guess = Guess(_key(path), str(path), kind, raw.info, columns)
    if raw.info.get("header_rows", 1) > 1:
        guess.extra["header_rows"] = raw.info["header_rows"]
    used = set(columns.values())
    if kind == "survey":
        _survey_guess(guess, frame, headers, used, found_score)
    else:
        _sales_guess(guess, frame, headers, used)
    date_col = columns.get("date") or columns.get("timestamp")
    if date_col:
        try:
            reading = infer_date_format(frame[date_col].dropna().tolist(), column=date_col)
            if reading.order in ("day-first", "month-first"):
                guess.extra["dayfirst"] = reading.order == "day-first"
                guess.notes.append(f"dates read {reading.label}: {reading.reason}")
        except DataQualityError as exc:
            guess.todo.append(f"dates: {exc}")
    for role in ("customer",):
        if role not in columns:
            guess.todo.append(
                f"columns.{role}: no header looks like a customer id; name the column"
                + (" (or leave it out: answers are then anonymous)" if kind == "survey" else "")
            )
    return guess


def _sales_guess(guess: Guess, frame: pd.DataFrame, headers: list[str], used: set) -> None:
    columns = guess.columns
    if "amount" in columns and "quantity" in columns and "price" in columns:
        del columns["amount"]  # amount = quantity x price when both are there
        used = set(columns.values())
    for role in ("date",):
        if role not in columns:
            guess.todo.append(f"columns.{role}: no header looks like the order date; name it")
    if "amount" not in columns and not ("quantity" in columns and "price" in columns):
        guess.todo.append("columns.amount (or quantity and price): no revenue column found")
    for role in ("amount", "price"):
        if role in columns:
            text = frame[columns[role]].dropna().astype(str)
            if text.str.fullmatch(r"-?[\d\s\u00a0.]*\d,\d+").any():
                guess.extra["decimal"] = ","
    cancellations: dict[str, Any] = {}
    if "quantity" in columns:
        quantity = frame[columns["quantity"]].dropna().astype(str).str.strip()
        if quantity.str.startswith("-").any():
            cancellations["negative_quantity"] = True
    if "order_id" in columns:
        ids = frame[columns["order_id"]].dropna().astype(str).str.strip()
        if ids.str.fullmatch(r"C\d+").any():
            cancellations["invoice_prefix"] = "C"
    if cancellations:
        guess.extra["cancellations"] = cancellations
    elif "order_id" in columns:
        guess.todo.append(
            "cancellations: none seen in the sample; if cancelled orders are marked (an "
            'invoice prefix such as "C", negative quantities), declare them'
        )
    guess.keep = [h for h in headers if h not in used and _norm(h) in _SEGMENT_WORDS]
    guess.todo.append(
        "currency: the ISO code of the amounts (GBP, EUR, USD, RUB...); USD is assumed"
    )


_ID_HEADER = re.compile(r"(?:^|\s)id$|respondent|collector|ip address|response id|номер")

_SEGMENT_WORDS = {
    "country",
    "region",
    "channel",
    "city",
    "store",
    "segment",
    "страна",
    "регион",
    "город",
    "канал",
    "магазин",
    "країна",
    "регіон",
    "місто",
}


def _survey_guess(
    guess: Guess, frame: pd.DataFrame, headers: list[str], used: set, found: list[str]
) -> None:
    columns = guess.columns
    if len(found) > 1:
        guess.todo.append(
            f"columns.score: {len(found)} headers look like the recommendation question "
            f"({', '.join(repr(f) for f in found[:3])}); keep the 0-10 one"
        )
    touch = [
        h
        for h in headers
        if h not in used
        and h not in found
        and not _ID_HEADER.search(_norm(h))
        and _is_rating(frame[h])
        and frame[h].notna().any()
    ]
    if touch:
        columns["touchpoints"] = touch
    if "timestamp" not in columns:
        guess.todo.append("columns.timestamp: no answer-time column found; waves need one")
    answers = frame[columns["score"]].dropna().astype(str).str.strip()
    labelled = answers[~answers.str.fullmatch(r"\d+(\.\d+)?")]
    unnumbered = labelled[~labelled.str.match(r"^\d+\s*[-–—:]")]
    if len(unnumbered):
        shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in unnumbered.unique()[:3])
        guess.todo.append(f"labels: answers without a number ({shown}); map each to 0-10")
    guess.extra["labels"] = "auto"
    guess.extra["wave"] = "month"
    guess.keep = [h for h in headers if h not in used and _norm(h) in _SEGMENT_WORDS]


def _q(value: Any) -> str:
    """A YAML scalar (JSON is YAML): strings quoted, any script kept readable."""
    return json.dumps(value, ensure_ascii=False)


_NOTEBOOKS = {
    "data_overview": ("sales", "Data audit"),
    "cohort_retention": ("sales", "Cohort retention: do new customers come back?"),
    "pareto_customers": ("sales", "The 80/20 split: revenue concentration and best customers"),
    "loyalty_drivers": ("sales", "Loyalty drivers"),
    "nps_survey": ("survey", "Net Promoter Score: level, segments, monthly trend"),
}
_SEGMENTED = {"cohort_retention", "pareto_customers", "nps_survey"}


# long: the sources, then one report per notebook, with the TODOs in place
def render_config(guesses: list[Guess], *, output: Path, notebooks: Path) -> str:
    """The commented reports.yaml for the guessed sources (paths relative to ``output``)."""
    base = output.resolve().parent
    lines = [
        "# Written by `loyalty init`: check every line, settle each TODO, then run",
        f"#   loyalty report --config {output.name}",
        "# Paths are relative to this file. Keys: see README.md, 'Use your own data'.",
        "kernel: loyalty",
        "cell_timeout: 600",
        "",
        "sources:",
    ]
    for g in guesses:
        rel = os.path.relpath(Path(g.path).resolve(), base)
        lines += [f"  {g.key}:", f"    kind: {g.kind}", f"    path: {_q(rel)}"]
        info = g.info
        lines.append(f"    # read as {info.get('format')}")
        if info.get("encoding"):
            lines.append(f"    encoding: {_q(info['encoding'])}  # detected")
        if info.get("delimiter"):
            lines.append(f"    delimiter: {_q(info['delimiter'])}  # detected")
        for key in ("header_rows", "decimal", "dayfirst"):
            if key in g.extra:
                lines.append(f"    {key}: {_q(g.extra[key])}  # guessed from the sample")
        lines.append("    columns:")
        for role, header in g.columns.items():
            lines.append(f"      {role}: {_q(header)}")
        if g.keep:
            lines.append(f"    keep: {_q(g.keep)}  # segment columns kept as they are")
        if "cancellations" in g.extra:
            lines.append(f"    cancellations: {_q(g.extra['cancellations'])}")
        if g.kind == "sales":
            lines.append('    currency: "USD"')
        for key in ("labels", "wave"):
            if key in g.extra:
                lines.append(f"    {key}: {_q(g.extra[key])}")
        lines.append(f"    name: {_q(Path(g.path).stem)}  # shown in page titles")
        for note in g.notes:
            lines.append(f"    # {note}")
        for todo in g.todo:
            lines.append(f"    # TODO: {todo}")
    sales = next((g for g in guesses if g.kind == "sales"), None)
    survey = next((g for g in guesses if g.kind == "survey"), None)
    lines += ["", "reports:"]
    for stem, (needs, title) in _NOTEBOOKS.items():
        if (needs == "sales" and sales is None) or (needs == "survey" and survey is None):
            continue
        main = sales if needs == "sales" else survey
        params = []
        if stem != "nps_survey":
            params.append(f"sales_source: {main.key}")
        if stem in ("data_overview", "loyalty_drivers", "pareto_customers", "nps_survey"):
            params.append(f"survey_source: {survey.key if survey else 'none'}")
        if stem in _SEGMENTED:
            segment = main.keep[0] if main.keep else ""
            params.append(f"segment_column: {_q(segment)}")
        notebook = os.path.relpath((notebooks / f"{stem}.ipynb").resolve(), base)
        lines += [
            f"  - name: {stem}_{main.key}",
            f"    title: {_q(f'{title} ({Path(main.path).stem})')}",
            f"    notebook: {_q(notebook)}",
            "    parameters:",
            *(f"      {p}" for p in params),
        ]
    return "\n".join(lines) + "\n"
