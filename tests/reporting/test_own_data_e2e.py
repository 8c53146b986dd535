"""Own exports end to end: a UCI-style invoice-line export and a SurveyMonkey-style survey,
declared once under ``sources:``, run through ``python -m loyalty_lib report``; the numbers
published in the HTML are checked against values computed independently on the raw files
with plain Python/pandas (the 80/20 split, customers, orders of class A, NPS) and sqlite3
(the survey-to-sales match rate). No page may name a bundled data set or show an id.
"""

import csv
import html
import math
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "How likely is it that you would recommend us to a friend or colleague?"
REASON = "What is the main reason for your score?"
LABELS = {10: "10 - Extremely likely", 0: "0 - Not at all likely"}
COMMENTS = ["Всё отлично", "Доставка запізнилася", "плохо", "", "Дякую!", "ok"]

pytestmark = pytest.mark.slow  # five notebooks in real kernels: about a minute


def _write_sales(path: Path) -> None:
    """Invoice lines from 15 Dec 2022 (a first month covered in part) to 31 Dec 2023,
    dates written `12/1/2022 8:01` (month first)."""
    rng = np.random.default_rng(7)
    header = [
        "Invoice",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "Price",
        "Customer ID",
        "Country",
    ]
    rows, invoice = [], 500000
    days = pd.date_range("2022-12-15", "2023-12-31", freq="D")
    for c in range(60):
        customer = f"{17080 + c}.0"  # float ids, as Excel exports them
        visits = 1 + int(rng.poisson(4 if c < 12 else 1.5))
        for when in sorted(rng.choice(days, size=visits, replace=False)):
            invoice += 1
            stamp = pd.Timestamp(when) + pd.Timedelta(hours=8, minutes=int(rng.integers(0, 59)))
            text = f"{stamp.month}/{stamp.day}/{stamp.year} {stamp.hour}:{stamp.minute:02d}"
            for line in range(1 + int(rng.integers(0, 3))):
                price = [0.85, 1.25, 2.55, 4.95, 12.75][int(rng.integers(0, 5))]
                quantity = int(rng.integers(1, 24 if c < 12 else 6))
                rows.append(
                    [
                        str(invoice),
                        f"2{line}{c:03d}",
                        "ITEM",
                        str(quantity),
                        text,
                        f"{price:.2f}",
                        customer,
                        "United Kingdom",
                    ]
                )
    # two StockCodes with the same line amount (6 x 2.55 = 15.30 = 3 x 5.10) in one invoice
    rows += [
        [
            "600001",
            "85123A",
            "HEART HOLDER",
            "6",
            "3/1/2023 10:05",
            "2.55",
            "17085.0",
            "United Kingdom",
        ],
        [
            "600001",
            "71053",
            "METAL LANTERN",
            "3",
            "3/1/2023 10:05",
            "5.10",
            "17085.0",
            "United Kingdom",
        ],
    ]
    # the last day is covered (a sale on 31 Dec 2023): only the first month is partial
    rows.append(
        [
            "600005",
            "22633",
            "HAND WARMER",
            "2",
            "12/31/2023 9:30",
            "2.10",
            "17090.0",
            "United Kingdom",
        ]
    )
    # a cancellation of customer 17086 and two guest invoices (no customer id)
    rows += [
        [
            "C600002",
            "22633",
            "HAND WARMER",
            "-4",
            "4/2/2023 11:00",
            "2.10",
            "17086.0",
            "United Kingdom",
        ],
        ["600003", "22633", "HAND WARMER", "10", "12/16/2022 8:01", "2.10", "", "France"],
        ["600004", "POST", "POSTAGE", "1", "12/20/2022 8:01", "18.00", "", "France"],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_survey(path: Path, offset: int = 17080) -> None:
    """SurveyMonkey: question-text header, a 'Response' row, labels, blanks, comments."""
    rng = np.random.default_rng(11)
    header = ["Respondent ID", "Start Date", "Customer ID", QUESTION, REASON]
    second = ["", "", "", "Response", "Open-Ended Response"]
    rows = []
    for i in range(48):
        if i < 40:
            customer = str(offset + i)  # "17093" here, "17093.0" in the sales
        elif i < 44:
            customer = str(99000 + i)  # respondents who are not in the sales log
        else:
            customer = ""  # anonymous answers
        score = int(rng.integers(0, 11)) if i % 9 else None  # some skipped the question
        answer = "" if score is None else LABELS.get(score, str(score))
        day = pd.Timestamp("2023-01-10") + pd.Timedelta(days=int(rng.integers(0, 150)))
        start = f"{day.month:02d}/{day.day:02d}/{day.year} 10:{i % 60:02d}:00 AM"
        rows.append([f"1140{i:03d}", start, customer, answer, COMMENTS[i % len(COMMENTS)]])
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(second)
        writer.writerows(rows)


CONFIG = f"""
kernel: loyalty
cell_timeout: 600
sources:
  shop:
    kind: sales
    path: exports/online_retail.csv
    columns: {{customer: Customer ID, date: InvoiceDate, quantity: Quantity, price: Price,
              order_id: Invoice, line_id: StockCode}}
    keep: [Country]
    cancellations: {{negative_quantity: true, invoice_prefix: "C"}}
    currency: GBP
    name: "Corner Shop"
  nps:
    kind: survey
    path: exports/nps.csv
    columns: {{customer: Customer ID, timestamp: Start Date, score: "{QUESTION}",
              comment: "{REASON}"}}
    labels: auto
    wave: month
  other:
    kind: survey
    path: exports/other_shop_nps.csv
    columns: {{customer: Customer ID, timestamp: Start Date, score: "{QUESTION}",
              comment: "{REASON}"}}
    labels: auto
    wave: month
reports:
  - name: pareto
    title: "The 80/20 split ({{sales}})"
    notebook: {ROOT}/notebooks/pareto_customers.ipynb
    parameters: {{sales_source: shop, survey_source: nps, segment_column: "", n_boot: 0,
                  period_freq: quarter}}
  - name: cohorts
    title: "Cohort retention ({{sales}})"
    notebook: {ROOT}/notebooks/cohort_retention.ipynb
    parameters: {{sales_source: shop, segment_column: ""}}
  - name: nps
    title: "NPS ({{survey}})"
    notebook: {ROOT}/notebooks/nps_survey.ipynb
    parameters: {{survey_source: nps, segment_column: "", driver_columns: ""}}
  - name: drivers
    title: "Loyalty drivers ({{sales}})"
    notebook: {ROOT}/notebooks/loyalty_drivers.ipynb
    parameters: {{sales_source: shop, survey_source: nps, horizon_days: 90,
                  retained_after_days: 45, touchpoint_columns: "", complaint_column: "",
                  resolution_column: "", clv_freq: quarter}}
  - name: drivers_wrong_survey
    title: "Loyalty drivers ({{sales}} with {{survey}})"
    notebook: {ROOT}/notebooks/loyalty_drivers.ipynb
    parameters: {{sales_source: shop, survey_source: other, horizon_days: 90,
                  retained_after_days: 45, touchpoint_columns: "", complaint_column: "",
                  resolution_column: "", clv_freq: quarter}}
  - name: audit
    title: "Data audit ({{sales}})"
    notebook: {ROOT}/notebooks/data_overview.ipynb
    parameters: {{sales_source: shop, survey_source: nps}}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    ws = tmp_path_factory.mktemp("own")
    (ws / "exports").mkdir()
    _write_sales(ws / "exports" / "online_retail.csv")
    _write_survey(ws / "exports" / "nps.csv")
    _write_survey(ws / "exports" / "other_shop_nps.csv", offset=55000)  # ids of another shop
    config = ws / "my-reports.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LOYALTY_CONFIG", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loyalty_lib",
            "report",
            "--config",
            str(config),
            "--output-dir",
            str(ws / "out"),
            "--run-id",
            "r1",
            "--no-progress",
        ],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (ws / "out" / "r1").glob("*.html")}
    return ws, pages


def _text(page: str) -> str:
    """The visible text of a page, tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _raw_sales(ws: Path) -> pd.DataFrame:
    raw = pd.read_csv(ws / "exports" / "online_retail.csv", dtype=str, keep_default_na=False)
    raw["amount"] = raw["Quantity"].astype(int) * raw["Price"].astype(float)
    return raw[raw["Customer ID"] != ""]  # guests cannot be ranked as customers


def test_the_80_20_split_and_class_a_orders_match_plain_pandas(run):
    ws, pages = run
    sales = _raw_sales(ws)
    net = sales.groupby("Customer ID")["amount"].sum()
    positive = net[net > 0].sort_values(ascending=False, kind="mergesort")
    n = len(positive)
    top = math.ceil(0.2 * n)
    share = positive.iloc[:top].sum() / positive.sum()
    text = _text(pages["pareto"])
    assert f"The top 20% of customers ({top:,} of {n:,}) bring {share:.1%} of net revenue" in text
    # class A: the smallest top set reaching 80%; orders = distinct invoices with a sale
    cum_before = positive.cumsum() - positive
    class_a = positive.index[cum_before < 0.8 * positive.sum()]
    invoices = sales[sales["amount"] > 0].groupby("Customer ID")["Invoice"].nunique()
    mean_orders = invoices.reindex(class_a).mean()
    assert "orders per customer" in text and "purchase lines per customer" not in text
    row = re.search(r" A " + re.escape(f"{len(class_a):,}") + r" .*?(\d+\.\d) ", text)
    assert row and row.group(1) == f"{mean_orders:.1f}", (row and row.group(0), mean_orders)
    # a line count would differ: the page counts invoices, not lines
    lines = sales[sales["amount"] > 0].groupby("Customer ID").size().reindex(class_a).mean()
    assert f"{lines:.1f}" != f"{mean_orders:.1f}"
    assert "Q4 2022" in text and "partial" in text  # the first quarter holds 15-31 Dec only
    assert "2022-Q4" not in text  # the page names periods the reader's way, not ISO


def test_customers_and_partial_month_on_the_audit_page(run):
    ws, pages = run
    raw = pd.read_csv(ws / "exports" / "online_retail.csv", dtype=str, keep_default_na=False)
    customers = raw.loc[raw["Customer ID"] != "", "Customer ID"].nunique()
    text = _text(pages["audit"])
    assert f"**{len(raw):,} transactions**" not in text  # markdown rendered
    assert f"{len(raw):,} transactions from {customers:,} customers" in text
    cohorts = _text(pages["cohorts"])
    assert "The first cohort's month (December 2022) is covered only in part" in cohorts
    assert "Partial months" in text and "December 2022" in text.split("Partial months")[1][:120]


def test_nps_matches_the_raw_labels(run):
    ws, pages = run
    with (ws / "exports" / "nps.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[2:]
    scores = [int(r[3].split(" ")[0]) for r in rows if r[3].strip()]
    value = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    text = _text(pages["nps"])
    # by hand on the raw labels: "10 - Extremely likely" -> 10, blanks skipped
    assert f"NPS {value:+.1f} (95% interval" in text, value
    assert f"{len(scores)} answers" in text


def test_match_rate_matches_sqlite(run):
    ws, pages = run
    db = sqlite3.connect(":memory:")
    raw = pd.read_csv(ws / "exports" / "online_retail.csv", dtype=str, keep_default_na=False)
    raw[["Customer ID"]].to_sql("sales", db)
    with (ws / "exports" / "nps.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[2:]
    pd.DataFrame({"cid": [r[2] for r in rows], "answer": [r[3] for r in rows]}).to_sql("survey", db)
    respondents, found = db.execute(
        """SELECT COUNT(DISTINCT s.cid),
                  COUNT(DISTINCT CASE WHEN k.id IS NOT NULL THEN s.cid END)
           FROM survey s LEFT JOIN (SELECT DISTINCT CAST(CAST("Customer ID" AS REAL) AS INTEGER)
                                    AS id FROM sales WHERE "Customer ID" <> '') k
             ON k.id = CAST(s.cid AS INTEGER)
           WHERE s.cid <> '' AND TRIM(s.answer) <> ''"""
    ).fetchone()
    # by hand: ids 17080-17119 (all buyers) less 5 skipped answers (i % 9 == 0) = 35 found,
    # plus 4 ids that never bought (99040-99043) = 39 identified respondents
    assert (respondents, found) == (39, 35)
    sentence = (
        f"{found:,} of {respondents:,} identified respondents "
        f"({found / respondents:.1%}) found in the sales log"
    )
    text = _text(pages["drivers"])
    assert text.count(sentence) >= 3, sentence  # data basis, say-vs-do and referrer figures
    pareto = _text(pages["pareto"])  # NPS by ABC class joins the same way
    assert (
        f"{found:,} of {respondents:,} identified respondents ({found / respondents:.1%}) "
        "found among these customers" in pareto
    )


def test_titles_and_pages_name_the_own_sources_only(run):
    ws, pages = run
    assert set(pages) >= {"pareto", "cohorts", "nps", "drivers", "audit"}
    index = (ws / "out" / "r1" / "index.html").read_text(encoding="utf-8")
    assert "The 80/20 split (Corner Shop)" in html.unescape(index)
    ids = set(
        pd.read_csv(ws / "exports" / "online_retail.csv", dtype=str)["Customer ID"]
        .dropna()
        .str.replace(".0", "", regex=False)
    )
    for name, page in {**pages, "index": index}.items():
        text = _text(page)
        assert "CDNOW" not in text and "demo shop" not in text.lower(), name
        assert "£" in text or name in ("nps", "index"), name
        shown = {i for i in ids if re.search(rf"\b{i}\b", text)}
        assert not shown, (name, sorted(shown)[:3])


def test_a_survey_of_other_ids_stops_the_say_vs_do_sections_with_a_sentence(run):
    _, pages = run
    text = _text(pages["drivers_wrong_survey"])
    # 48 answers, 6 skipped (i % 9 == 0), 4 anonymous of which 1 skipped: 39 identified
    stop = "only 0 of 39 identified respondents (0.0%) appear in the sales log"
    assert "The say-vs-do sections stop here" in text and stop in text
    assert text.count("Stopped:") >= 2  # say-vs-do and users vs referrers
    assert "0.0% against 0.0%" not in text and "Spearman correlation nan" not in text
