"""Report titles name the source they ran on: {sales} and {survey} are filled with the
sources' display names, so an overridden source never shows a bundled data set's name."""

import html
import re
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


# --- every bundled report has its title in every language (issue 16) ----------------------

ROOT = Path(__file__).resolve().parents[2]
#: The bundled sources' names as each language writes them (docs/glossary.md), by hand.
SOURCE_NAMES = {
    "en": {"demo": "demo shop", "cdnow": "CDNOW (real data 1997-98)"},
    "ru": {"demo": "демо-магазин", "cdnow": "CDNOW (реальные данные 1997–98)"},
    "uk": {"demo": "демо-магазин", "cdnow": "CDNOW (реальні дані 1997–98)"},
    "be": {"demo": "дэма-крама", "cdnow": "CDNOW (рэальныя даныя 1997–98)"},
}


def _raw_reports():
    import yaml

    # read as YAML, not through the runner's config loader: the test's own reading
    return yaml.safe_load((ROOT / "reports.yaml").read_text(encoding="utf-8"))["reports"]


def test_every_report_title_in_reports_yaml_has_all_four_languages():
    from loyalty_lib.i18n import LANGUAGES

    for entry in _raw_reports():
        title = entry.get("title")
        assert isinstance(title, dict), f"{entry['name']}: title is not one per language"
        assert sorted(title) == sorted(LANGUAGES), (entry["name"], sorted(title))
        for lang, text in title.items():
            assert isinstance(text, str) and text.strip(), (entry["name"], lang)
            if lang != "en":  # written in the language, not the English title copied
                assert re.search("[А-Яа-яІЎЄЇіўєї]{4,}", text), (entry["name"], lang, text)
                assert text != title["en"], (entry["name"], lang)


@pytest.mark.parametrize("language", ["en", "ru", "uk", "be"])
def test_the_runner_shows_the_run_languages_title(language):
    from loyalty_lib.reporting.config import _resolve_parameters, load_config
    from loyalty_lib.reporting.index import index_html
    from loyalty_lib.reporting.runner import _titled

    config = load_config(ROOT / "reports.yaml")
    # as run_reports does for `loyalty report -p language=...`
    parameters = _resolve_parameters(config.reports, {None: {"language": language}})
    specs = [_titled(s, parameters[s.name], config) for s in config.reports]
    raw = {entry["name"]: entry for entry in _raw_reports()}
    for spec in specs:
        entry = raw[spec.name]
        names = SOURCE_NAMES[language]
        sales = entry["parameters"].get("sales_source", "demo")
        survey = entry["parameters"].get("survey_source", "demo")
        text = entry["title"][language]
        expected = text.format(
            sales=names[sales], survey=names[survey] if "{survey}" in text else None
        )
        assert spec.title == expected, spec.name  # the page's <title> and heading
        assert spec.titles[language] == expected
    reports = [
        SimpleNamespace(name=s.name, title=s.title, titles=s.titles, status="ok", seconds=1.0,
                        html=f"{s.name}.html", headline="", kpis=[], error=None,
                        parameters=parameters[s.name])
        for s in specs
    ]  # fmt: skip
    summary = SimpleNamespace(run_id="x", started="2026-01-01T00:00:00", seconds=1.0,
                              reports=reports, failed=[], inputs_changed=[], inputs=[])  # fmt: skip
    page = index_html(summary, str)
    assert f'<html lang="{language}">' in page
    for spec in specs:  # the index lists each report under the run language's title
        assert f">{html.escape(spec.title, quote=False)}</a>" in page, spec.name
