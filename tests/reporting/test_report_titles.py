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


# --- a title per language (issue 16) -------------------------------------------------------


def _yaml(tmp_path, title: str, top: str = "") -> Path:
    from loyalty_lib.reporting.config import load_config

    path = tmp_path / "reports.yaml"
    path.write_text(
        (f"language: {top}\n" if top else "")
        + f"reports:\n  - name: p\n    notebook: {NOTEBOOK}\n    title: {title}\n",
        encoding="utf-8",
    )
    return load_config(path)


def test_a_title_per_language_names_the_source_in_that_language(tmp_path):
    from loyalty_lib.reporting.runner import _titled

    config = _yaml(tmp_path, "{en: '80/20 ({sales})', ru: '80/20 ({sales})'}")
    spec = _titled(config.reports[0], {"sales_source": "demo", "language": "ru"}, config)
    # the catalogue's words for the bundled demo source (docs/glossary.md style)
    assert spec.title == "80/20 (демо-магазин)"
    assert spec.titles["en"] == "80/20 (demo shop)"
    # no Belarusian title: the English one, with the source named in English (never mixed)
    assert spec.titles["be"] == "80/20 (demo shop)"


def test_a_title_mapping_needs_english_or_the_runs_language(tmp_path):
    with pytest.raises(ReportConfigError, match=r"needs 'en' or 'ru' \(the run's language\)"):
        _yaml(tmp_path, "{uk: 'Звіт'}", top="ru")
    assert _yaml(tmp_path, "{ru: 'Отчёт'}", top="ru").reports[0].title == "Отчёт"
    with pytest.raises(ReportConfigError, match=r"title: language: 'de' is not a shipped"):
        _yaml(tmp_path, "{en: Report, de: Bericht}")
    with pytest.raises(ReportConfigError, match=r"title: 'ru' must be a non-empty text"):
        _yaml(tmp_path, "{en: Report, ru: ''}")


def test_the_error_lines_are_in_the_report_language():
    from loyalty_lib.reporting.runner import _describe_error

    error = {"ename": "NotRun", "sentence": "x", "message": ["the disk was full (report "
             "{report} could not write its outputs): free some space and run again",
             {"report": "a"}]}  # fmt: skip
    # hand-written Russian; the English sentence stays for the console
    assert _describe_error(error, "ru") == (
        "не запущен: диск был заполнен (отчёт a не смог записать результаты): освободите "
        "место и запустите снова"
    )
    assert _describe_error(error) == "not run: x"
    stop = {"ename": "DataQualityError", "evalue": "пусто"}
    assert _describe_error(stop, "uk") == "ЗУПИНЕНО перевіркою якості даних: пусто"
