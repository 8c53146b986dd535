"""Every core function on DuckDB relations and on Parquet/CSV files equals pandas.

The reference is the pandas result of the same call (``tests/engines/_engine_cases.py``); the
pandas results themselves are pinned to hand-worked and SQL values in the other test
files. Files are read by DuckDB (``loyalty_lib.engines.scan``), never loaded into pandas.
"""

from __future__ import annotations

import duckdb
import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
import pytest
from _engine_cases import CASES, assert_same, run

import loyalty_lib.engines as engines
from loyalty_lib import cohort_retention, pareto_split
from loyalty_lib.engines import scan, to_engine
from loyalty_lib.inputs.datasets import load_sales, load_survey

# fewer than 2,000 resamples keep these property/plumbing tests fast; the warning itself is
# tested in tests/survey/test_nps_bootstrap.py
pytestmark = pytest.mark.filterwarnings(
    "ignore:n_boot.*resamples:loyalty_lib.errors.LoyaltyWarning"
)


@pytest.fixture(autouse=True)
def pandas_stays_pandas(monkeypatch):
    # the pandas reference must be computed by pandas itself, not routed through DuckDB
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", None)


@pytest.fixture(scope="module")
def data():
    return {
        "cdnow": (load_sales("cdnow"), None),
        "demo": (load_sales("demo"), load_survey("demo")),
    }


@pytest.fixture(scope="module")
def files(data, tmp_path_factory):
    """Each data set as one Parquet file, as 3 Parquet files (a glob) and as CSV."""
    root = tmp_path_factory.mktemp("engines")
    out = {}
    for name, (sales, survey) in data.items():
        entry = {}
        for kind, frame in (("sales", sales), ("survey", survey)):
            if frame is None:
                continue
            single = root / f"{name}_{kind}.parquet"
            frame.to_parquet(single)
            folder = root / f"{name}_{kind}_parts"
            folder.mkdir()
            for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
                frame.iloc[part].to_parquet(folder / f"part-{i}.parquet")
            csv = root / f"{name}_{kind}.csv"
            frame.to_csv(csv, index=False)
            entry[kind] = {"parquet": single, "glob": folder / "*.parquet", "csv": csv}
        out[name] = entry
    return out


def _engine_inputs(engine, name, data, files):
    sales, survey = data[name]
    if engine == "duckdb":
        con = duckdb.connect()
        return con.from_df(sales), None if survey is None else con.from_df(survey)
    paths = files[name]
    if engine == "csv":
        # ids are text: say so rather than trust the sniffer with every id format
        ids = {"customer_id": "VARCHAR", "order_id": "VARCHAR", "response_id": "VARCHAR"}
        read = {
            k: scan(
                v["csv"],
                dtype={c: t for c, t in ids.items() if c in pd.read_csv(v["csv"], nrows=0).columns},
            )
            for k, v in paths.items()
        }
        return read["sales"], read.get("survey")
    key = "parquet" if engine == "parquet_path" else "glob"
    # plain strings: the core functions open them with DuckDB themselves
    return str(paths["sales"][key]), None if survey is None else str(paths["survey"][key])


# CDNOW has no survey and no region: the cases that need them run on the demo only
PAIRS = [
    (case, dataset)
    for case, (needs_demo, _) in CASES.items()
    for dataset in (("demo",) if needs_demo else ("cdnow", "demo"))
]


@pytest.mark.parametrize("engine", ["duckdb", "parquet_path", "parquet_glob", "csv"])
@pytest.mark.parametrize(("case", "dataset"), PAIRS)
def test_engine_equals_pandas(case, dataset, engine, data, files):
    call = CASES[case][1]
    expected, expected_warnings = run(call, *data[dataset])
    got, got_warnings = run(call, *_engine_inputs(engine, dataset, data, files))
    assert_same(expected, got)
    assert got_warnings == expected_warnings


def test_a_path_is_not_loaded_into_pandas(files, monkeypatch):
    # pandas' readers are never called: DuckDB reads the file
    def refuse(*args, **kwargs):
        raise AssertionError("the file was read into pandas")

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(pd, "read_csv", refuse)
    path = str(files["cdnow"]["sales"]["glob"])
    split = pareto_split(path, customer="customer_id", value="amount")
    # 23,502 positive-value CDNOW customers: the pinned figure of tests/test_pareto_cdnow.py
    assert split["customers"].iloc[0] == 23_502
    result = cohort_retention(path, customer="customer_id", date="order_date")
    # CDNOW's customers all joined in Q1 1997: 3 monthly cohorts (data/README.md)
    assert result["cohort"].nunique() == 3


def test_scan_reads_a_folder_and_options(files, tmp_path):
    folder = files["demo"]["sales"]["glob"].parent
    relation = scan(folder)
    assert relation.aggregate("count(*)").fetchall() == [(22_446,)]
    csv = files["cdnow"]["sales"]["csv"]
    # options reach DuckDB's reader: quantity is sniffed as an integer, read as a double
    assert str(scan(csv).types[2]) == "BIGINT"
    assert str(scan(csv, dtype={"quantity": "DOUBLE"}).types[2]) == "DOUBLE"


def test_scan_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing_here.parquet: no such file"):
        scan(tmp_path / "nothing_here.parquet")
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(ValueError, match="notes.json: unsupported file type"):
        scan(tmp_path / "notes.json")
    with pytest.raises(FileNotFoundError, match="no .parquet or .csv file"):
        scan(tmp_path)
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "b.csv")
    with pytest.raises(ValueError, match="both Parquet and CSV"):
        scan(tmp_path)
    with pytest.raises(FileNotFoundError, match="no_such_dir"):
        pareto_split(str(tmp_path / "no_such_dir" / "*.parquet"), customer="a", value="a")


def test_to_engine(data):
    sales = data["demo"][0]
    assert to_engine(sales, "pandas") is sales
    relation = to_engine(sales, "duckdb")
    assert isinstance(relation, duckdb.DuckDBPyRelation)
    assert relation.aggregate("count(*)").fetchall() == [(len(sales),)]
    with pytest.raises(ValueError, match="engine: 'polars' is not supported"):
        to_engine(sales, "polars")


def test_local_datetimes_reads_the_wall_clock():
    # 2024-01-31 23:30 in New York is 2024-02-01 04:30 UTC: read in the session's New
    # York time it is a January purchase, as the shop saw it
    stamps = pd.to_datetime(["2024-01-31 23:30", "2024-02-10 12:00"]).tz_localize(
        "America/New_York"
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    frame = nw.from_native(con.from_df(pd.DataFrame({"t": stamps})))
    local = engines.local_datetimes(frame, ["t"]).collect().to_pandas()["t"]
    assert local.dt.tz is None
    assert local.dt.month.tolist() == [1, 2]
    assert local.dt.hour.tolist() == [23, 12]


def test_zoned_pandas_frames_stay_on_pandas(monkeypatch):
    monkeypatch.setattr(engines, "PANDAS_VIA_DUCKDB_ROWS", 0)
    zoned = pd.DataFrame({"t": pd.to_datetime(["2024-01-31 23:30"]).tz_localize("UTC")})
    assert isinstance(engines.compute_frame(zoned), nw.DataFrame)  # eager: pandas
    plain = pd.DataFrame({"t": pd.to_datetime(["2024-01-31 23:30"])})
    assert isinstance(engines.compute_frame(plain), nw.LazyFrame)  # DuckDB


def test_median_by_ranks_equals_pandas_median():
    # the lazy median (mean of the middle one or two values by rank, a window that spills)
    # against pandas' median, on groups of odd and even sizes with ties and nulls
    import narwhals.stable.v2 as nw
    import numpy as np

    from loyalty_lib.engines import median_by

    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"g": rng.integers(0, 300, 5000), "x": rng.integers(0, 12, 5000) * 1.0})
    frame.loc[rng.random(5000) < 0.05, "x"] = np.nan
    got = median_by(nw.from_native(duckdb.from_df(frame)), ["g"], "x").collect().to_pandas()
    expected = frame.groupby("g")["x"].median().dropna()
    got = got.set_index("g")["x"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False)


def test_customer_summary_in_customer_parts_equals_the_summary_in_one_query(monkeypatch, files):
    """A DuckDB log above CUSTOMER_PART_ROWS is summarised part by part (a hash of the
    customer id): the concatenated summary must equal pandas' one-pass summary exactly."""
    from loyalty_lib.engines import customer_parts
    from loyalty_lib.value.summary import customer_summary

    glob = files["cdnow"]["sales"]["glob"]
    keys = {"customer": "customer_id", "date": "order_date", "value": "amount"}
    sales = load_sales("cdnow")
    reference = customer_summary(sales, **keys, end="1998-06-30")
    monkeypatch.setattr(engines, "CUSTOMER_PART_ROWS", 10_000)  # CDNOW: 69,659 rows -> 7 parts
    parts = customer_parts(scan(glob), "customer_id")
    assert len(parts) == 7
    sizes = [nw.to_native(p).aggregate("count(*)").fetchall()[0][0] for p in parts]
    assert sum(sizes) == len(sales) and min(sizes) > 0
    seen = [set(nw.to_native(p).select("customer_id").fetchall()) for p in parts]
    assert sum(len(s) for s in seen) == len(set().union(*seen))  # each customer in one part
    split = customer_summary(scan(glob), **keys, end="1998-06-30")
    pd.testing.assert_frame_equal(split, reference, check_dtype=False)
    assert split.attrs == reference.attrs
    # pandas frames and small DuckDB logs are not split
    assert nw.to_native(customer_parts(sales, "customer_id")[0]) is sales
    monkeypatch.setattr(engines, "CUSTOMER_PART_ROWS", 1_000_000)
    assert len(customer_parts(scan(glob), "customer_id")) == 1
