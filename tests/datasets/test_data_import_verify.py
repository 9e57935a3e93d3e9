"""`grader data import` of each dataset from the shared copies, then `verify`; corruption is caught."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile

import pytest

from grader.cli.data import data_app
from grader.cli.exit_codes import ExitCode
from grader.datasets import ImportSourceError, get_dataset
from grader.datasets.registry import DATASETS
from grader.datasets.store import import_all, import_dataset, verify_datasets
from tests.datasets._support import flip_byte


def test_import_all_from_the_shared_copies_imports_every_dataset(grader_data):
    assert grader_data.exit_code == 0
    for name in DATASETS:
        assert f"imported {name}:" in grader_data.stdout
    assert "aclImdb_train_test.tar.gz, a registered archive" in grader_data.stdout
    assert "not found under" not in grader_data.stdout


def test_verify_passes_after_import(grader_data, cli):
    result = cli.invoke(data_app, ["verify"])
    assert result.exit_code == 0, result.output
    for name in DATASETS:
        assert f"ok       {name}" in result.stdout
    assert all(r.ok for r in verify_datasets())


def test_imported_files_are_read_only(grader_data):
    mode = (grader_data.root / "mnist" / "t10k-labels-idx1-ubyte.gz").stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) and mode & stat.S_IROTH


@pytest.mark.parametrize(("name", "victim"), [("mnist", "t10k-labels-idx1-ubyte.gz"),
                                              ("imdb", "test_texts.jsonl"),
                                              ("cameraman", "camera.png")])
def test_a_flipped_byte_is_caught_by_verify(grader_data, cli, tmp_path, monkeypatch, name, victim):
    root = tmp_path / "data"
    shutil.copytree(grader_data.root / name, root / name)
    flip_byte(root / name / victim)
    monkeypatch.setenv("GRADER_DATA", str(root))

    (result,) = verify_datasets((name,))
    assert result.status == "corrupt"
    assert len(result.problems) == 1 and result.problems[0].startswith(f"{victim}: sha256 ")
    assert get_dataset(name).file(victim).sha256 in result.problems[0]

    cli_result = cli.invoke(data_app, ["verify", name])
    assert cli_result.exit_code == ExitCode.CHECK_FAILED
    assert f"CORRUPT  {name}" in cli_result.stdout and victim in cli_result.stdout
    assert cli_result.stderr.rstrip().endswith(f"grader data fetch {name} --force")
    assert f"grader data import {name} /path/to/" in cli_result.stderr
    assert isinstance(cli_result.exception, SystemExit)


def test_a_truncated_file_is_caught_by_size(grader_data, tmp_path, monkeypatch):
    root = tmp_path / "data"
    shutil.copytree(grader_data.root / "boston", root / "boston")
    csv = root / "boston" / "boston_house_prices.csv"
    csv.chmod(0o644)
    csv.write_bytes(csv.read_bytes()[:-10])
    (result,) = verify_datasets(("boston",), root=root)
    assert result.status == "corrupt" and "34732 bytes, registered 34742 bytes" in result.problems[0]


def test_import_refuses_a_corrupted_source_and_keeps_the_good_copy(grader_data, tmp_path):
    root = tmp_path / "data"
    import_dataset("cameraman", grader_data.shared / "cameraman", root=root)
    bad = tmp_path / "bad"
    shutil.copytree(grader_data.shared / "cameraman", bad)
    flip_byte(bad / "camera.png")

    with pytest.raises(ImportSourceError, match="camera.png differs from the registered copy"):
        import_dataset("cameraman", bad, root=root)
    assert verify_datasets(("cameraman",), root=root)[0].ok
    assert sorted(p.name for p in root.iterdir()) == ["cameraman"]   # no staging folder left behind


def test_import_from_a_zip_and_from_a_tar_archive(grader_data, tmp_path):
    zipped = tmp_path / "boston.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for f in (grader_data.shared / "boston").iterdir():
            zf.write(f, f"some/folder/{f.name}")
    tarred = tmp_path / "diabetes.tar.gz"
    with tarfile.open(tarred, "w:gz") as tf:
        tf.add(grader_data.shared / "diabetes", arcname="diabetes")

    root = tmp_path / "data"
    assert import_dataset("boston", zipped, root=root).name == "boston"
    assert import_dataset("diabetes", tarred, root=root).name == "diabetes"
    assert all(r.ok for r in verify_datasets(("boston", "diabetes"), root=root))


def test_import_of_a_single_file(grader_data, tmp_path):
    report = import_dataset("cameraman", grader_data.shared / "cameraman" / "camera.png", root=tmp_path)
    assert report.files == (("camera.png", 139512),)


def test_import_says_what_is_missing(grader_data, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(grader_data.shared / "mnist" / "train-images-idx3-ubyte.gz", partial)
    with pytest.raises(ImportSourceError, match="missing train-labels-idx1-ubyte.gz, t10k-images"):
        import_dataset("mnist", partial, root=tmp_path / "data")
    with pytest.raises(ImportSourceError, match="no such file or folder"):
        import_dataset("mnist", tmp_path / "nowhere", root=tmp_path / "data")


def test_cli_import_errors_are_messages_with_exit_codes(cli, tmp_path, empty_root):
    result = cli.invoke(data_app, ["import", "mnist", str(tmp_path / "nowhere")])
    assert result.exit_code == ExitCode.USAGE_ERROR and "no such file or folder" in result.stderr

    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "camera.png").write_bytes(b"not the image")
    result = cli.invoke(data_app, ["import", "cameraman", str(tmp_path / "wrong")])
    assert result.exit_code == ExitCode.CHECK_FAILED
    assert "camera.png differs from the registered copy" in result.stderr
    assert result.stderr.rstrip().endswith("grader data where cameraman")
    assert isinstance(result.exception, SystemExit)   # a clean exit, no exception escaped

    result = cli.invoke(data_app, ["import", "cifar10", str(tmp_path)])
    assert result.exit_code == ExitCode.USAGE_ERROR and "the registry knows: mnist" in result.stderr

    (tmp_path / "empty").mkdir()
    result = cli.invoke(data_app, ["import", "all", str(tmp_path / "empty")])
    assert result.exit_code == ExitCode.USAGE_ERROR and "no dataset found" in result.stderr


def test_import_replaces_an_existing_copy(grader_data, tmp_path):
    root = tmp_path / "data"
    import_dataset("boston", grader_data.shared / "boston", root=root)
    (root / "boston" / "boston_house_prices.rst").chmod(0o644)
    (root / "boston" / "boston_house_prices.rst").write_text("edited")
    assert verify_datasets(("boston",), root=root)[0].status == "corrupt"
    import_dataset("boston", grader_data.shared / "boston", root=root)
    assert verify_datasets(("boston",), root=root)[0].ok


def test_verify_without_names_reports_missing_datasets_but_passes(cli, empty_root):
    result = cli.invoke(data_app, ["verify"])
    assert result.exit_code == 0
    assert "missing  mnist  (not imported: grader data import mnist PATH)" in result.stdout


def test_import_all_skips_what_is_not_there(grader_data, tmp_path):
    source = tmp_path / "only-boston"
    shutil.copytree(grader_data.shared / "boston", source / "boston")
    imported, skipped, errors = import_all(source, root=tmp_path / "data")
    assert [r.name for r in imported] == ["boston"] and not errors
    assert skipped == ["mnist", "imdb", "cameraman", "diabetes"]
