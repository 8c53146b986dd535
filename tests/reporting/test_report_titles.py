"""Report titles name the source they ran on: {sales} and {survey} are filled with the
sources' display names, so an overridden source never shows a bundled data set's name."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from loyalty_lib.reporting.config import ReportConfigError, ReportSpec, RunConfig
from loyalty_lib.reporting.runner import _page_title

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "pareto_customers.ipynb"
CONFIG = RunConfig(
    reports=[],
    sources={"shop": SimpleNamespace(title="My shop"), "poll": SimpleNamespace(title=None)},
)


def _title(title, **parameters):
    return _page_title(ReportSpec("r", NOTEBOOK, title, {}), parameters, CONFIG)


def test_placeholders_take_the_source_titles():
    assert _title("80/20 ({sales})", sales_source="shop") == "80/20 (My shop)"
    assert _title("80/20 ({sales})", sales_source="cdnow") == "80/20 (CDNOW (real data 1997-98))"
    assert _title("{sales} and {survey}", sales_source="shop", survey_source="poll") == (
        "My shop and poll"  # a declared source without a name shows its key
    )
    assert _title("{survey}", survey_source="none") == "no survey"
    assert _title("{sales}", sales_source="exports/2024 sales.csv") == "2024 sales"
    # not given in reports.yaml: the notebook's default ("demo")
    assert _title("80/20 ({sales})") == "80/20 (demo shop)"
    assert _title("no placeholder", sales_source="shop") == "no placeholder"


def test_an_unknown_placeholder_is_a_config_error():
    with pytest.raises(ReportConfigError, match=r"report r: title .*\{shop\}"):
        _title("80/20 ({shop})", sales_source="shop")
