"""A missing dataset is a message that ends with the command to run, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from grader.cli.data import data_app
from grader.cli.exit_codes import ExitCode
from grader.datasets import (DatasetMissing, data_root, load_cameraman, load_imdb, load_mnist, load_regression_table,
                             require)
from tests.datasets import _support

REPO = Path(__file__).resolve().parents[2]


def test_data_root_comes_from_the_environment_or_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "x"))
    assert data_root() == tmp_path / "x"
    monkeypatch.delenv("GRADER_DATA")
    assert data_root() == Path(platformdirs.user_cache_dir("dl-grader")) / "data"


@pytest.mark.parametrize(("load", "name"), [
    (lambda: load_mnist("train"), "mnist"),
    (lambda: load_imdb("test"), "imdb"),
    (load_cameraman, "cameraman"),
    (lambda: load_regression_table("diabetes"), "diabetes"),
])
def test_loaders_raise_dataset_missing_with_the_commands(empty_root, load, name):
    with pytest.raises(DatasetMissing) as info:
        load()
    message = str(info.value)
    assert f"not in the data root {empty_root} (from $GRADER_DATA)" in message
    assert f"grader data import {name} " in message
    assert message.endswith(f"grader data fetch {name}")


def test_require_names_only_the_missing_files(grader_data, tmp_path):
    root = tmp_path / "data"
    (root / "boston").mkdir(parents=True)
    (root / "boston" / "boston_house_prices.csv").write_text("x")
    with pytest.raises(DatasetMissing) as info:
        require("boston", root=root)
    assert info.value.missing == ("boston_house_prices.rst",)
    assert require("boston", root=root, files=("boston_house_prices.csv",)) == root / "boston"


def test_cli_prints_the_message_without_a_traceback(tmp_path):
    env = {**os.environ, "GRADER_DATA": str(tmp_path / "empty")}
    proc = subprocess.run([sys.executable, "-m", "grader", "data", "verify", "mnist"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.GRADER_ERROR
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("error: dataset 'mnist' is not in the data root")
    assert proc.stderr.rstrip().endswith("grader data fetch mnist")


def test_missing_shared_copies_fail_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_SHARED_DATA", str(tmp_path / "no-shared-data"))
    with pytest.raises(pytest.fail.Exception, match="fail rather than skip"):
        _support.shared_data_dir()


def test_where_prints_the_root_and_a_dataset_folder(cli, empty_root):
    assert cli.invoke(data_app, ["where"]).stdout.strip() == str(empty_root)
    out = cli.invoke(data_app, ["where", "mnist"]).stdout
    assert out.splitlines()[0] == str(empty_root / "mnist")
    assert "[trusted] t10k-labels-idx1-ubyte.gz" in out and "missing" in out
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in out


def test_list_shows_status_the_trust_split_and_the_boston_note(cli, empty_root):
    result = cli.invoke(data_app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert f"data root: {empty_root} (from $GRADER_DATA)" in result.stdout
    assert re.search(r"^mnist +missing +11.6 MB +t10k-labels-idx1-ubyte.gz", result.stdout, re.M)
    assert "note on boston: scikit-learn removed load_boston" in result.stdout
    assert "Use instead: diabetes" in result.stdout


def test_cli_unknown_dataset_is_a_usage_error(cli, empty_root):
    result = cli.invoke(data_app, ["verify", "cifar10"])
    assert result.exit_code == ExitCode.USAGE_ERROR
    assert "no dataset called 'cifar10'; the registry knows: mnist" in result.stderr
