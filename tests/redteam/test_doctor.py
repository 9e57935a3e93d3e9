"""``grader doctor`` reports what this machine protects, in a table and as JSON."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from grader.cli.doctor import doctor, doctor_report
from grader.sandbox import cgroups


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(doctor)
    return app


def test_the_report_names_every_protection_of_every_backend():
    report = doctor_report()
    assert set(report["backends"]) == {"bwrap", "rlimit"}
    for backend in report["backends"].values():
        names = [p["name"] for p in backend["protections"]]
        assert names == ["namespaces", "network", "file system", "own uid", "seccomp", "cgroup", "tree kill",
                         "disk quota", "rlimits"]
        assert all(p["detail"] for p in backend["protections"])
    assert report["cgroup"]["version"] == cgroups.detect().version
    assert report["default_backend"] in report["backends"]


def test_the_command_prints_tables_and_json():
    runner = CliRunner()
    text = runner.invoke(_app(), []).output
    assert "bwrap sandbox" in text and "rlimit sandbox" in text and "Grading here uses the" in text
    assert "seccomp" in text and "cgroup" in text
    as_json = runner.invoke(_app(), ["--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["cgroup"]["version"] in ("v1", "v2", "none")
