"""analyst_file: customer lists go to the run's private folder, never beside the pages."""

from pathlib import Path

import pytest

from loyalty_lib.reporting.analyst_files import analyst_file


def test_private_dir_from_the_environment(tmp_path, monkeypatch):
    target = tmp_path / "run" / "private"
    monkeypatch.setenv("LOYALTY_PRIVATE_DIR", str(target))
    path = analyst_file("reminders.csv")
    assert path == target / "reminders.csv" and target.is_dir()


def test_private_folder_in_the_working_directory_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("LOYALTY_PRIVATE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert analyst_file("likely_lost.csv") == Path(tmp_path) / "private" / "likely_lost.csv"


@pytest.mark.parametrize("bad", ["", "../x.csv", "sub/x.csv", ".hidden", "a\\b.csv"])
def test_only_plain_file_names(bad, tmp_path, monkeypatch):
    monkeypatch.setenv("LOYALTY_PRIVATE_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="plain file name"):
        analyst_file(bad)
