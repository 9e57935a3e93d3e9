"""``grader doctor``: which protections this machine gives the sandbox, and which it lacks.

    grader doctor            # a table per backend, then what grading would use
    grader doctor --json     # the same, as JSON

Registered in ``grader/cli/app.py`` with ``app.command()(doctor)``. The checks are
the ones the sandbox itself uses (``grader.sandbox.protections``), so what doctor
prints is what a grading run gets. It never fails: a missing protection is a line in
the report, with what to do about it.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["doctor", "doctor_report"]


def doctor_report() -> dict[str, Any]:
    """Everything ``grader doctor`` prints, as plain data."""
    from grader.sandbox import BACKENDS, backend_problem, cgroups, choose_backend, seccomp
    from grader.sandbox.protections import host_protections
    from grader.sandbox.workspace import tmpfs_unavailable_reason
    from grader.sandbox.zygote import warm_unavailable_reason

    support = cgroups.detect()
    report: dict[str, Any] = {
        "machine": {
            "kernel": platform.release(),
            "arch": platform.machine(),
            "python": sys.version.split()[0],
            "root": os.geteuid() == 0,
        },
        "cgroup": {"version": support.version, "controllers": list(support.controllers), "note": support.reason},
        "seccomp": {"available": seccomp.unavailable_reason() is None,
                    "note": seccomp.unavailable_reason() or
                    f"{sum(len(v) for v in seccomp.BLOCKED.values())} syscalls blocked on {seccomp.native_arch()}"},
        "tmpfs_workspace": {"available": tmpfs_unavailable_reason() is None, "note": tmpfs_unavailable_reason() or ""},
        "leftover_cgroups": [str(p) for p in cgroups.leftover_cgroups()],
        "warm_workers": {"available": warm_unavailable_reason() is None, "note": warm_unavailable_reason() or ""},
        "backends": {},
    }
    for name in BACKENDS:
        if name == "docker":  # used only when named; reported on its own line below
            continue
        problem = backend_problem(name)
        report["backends"][name] = {
            "available": problem is None,
            "problem": problem or "",
            "protections": [{"name": p.name, "on": p.on, "detail": p.detail} for p in host_protections(name)],
        }
    report["docker"] = _docker_report()
    chosen = choose_backend()
    report["default_backend"] = chosen.name
    report["default_warnings"] = list(chosen.warnings())
    return report


def _docker_report() -> dict[str, Any]:
    """The docker backend (``--sandbox docker``): whether an engine answers, what it gives, what a crash left."""
    from grader.sandbox import backend_problem
    from grader.sandbox.docker import docker_protections, leftover_containers

    problem = backend_problem("docker")
    return {
        "available": problem is None,
        "problem": problem or "",
        "protections": [{"name": p.name, "on": p.on, "detail": p.detail} for p in docker_protections()]
        if problem is None else [],
        "leftover_containers": leftover_containers() if problem is None else [],
    }


def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Show which sandbox protections this machine gives, and which it lacks."""
    report = doctor_report()
    console = Console()
    if as_json:
        console.print_json(json.dumps(report))
        return
    machine = report["machine"]
    who = "running as root" if machine["root"] else "not root"
    console.print(f"[bold]grader doctor[/]: Linux {machine['kernel']} on {machine['arch']}, "
                  f"Python {machine['python']}, {who}", highlight=False)
    for name, backend in report["backends"].items():
        title = f"{name} sandbox: " + ("available" if backend["available"] else f"NOT available ({backend['problem']})")
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("protection")
        table.add_column("here", justify="center")
        table.add_column("how / why not", overflow="fold")
        for protection in backend["protections"]:
            mark = "[green]yes[/]" if protection["on"] else "[red]no[/]"
            table.add_row(protection["name"], mark, protection["detail"])
        console.print(table)
    docker = report["docker"]
    if docker["available"]:
        console.print("docker sandbox (--sandbox docker): available; a container per worker: --network none, "
                      "read-only root, memory/pids/CPU limits, no capabilities, seccomp", highlight=False)
        if docker["leftover_containers"]:
            console.print(f"[yellow]{len(docker['leftover_containers'])} worker containers exist[/] "
                          "(running, or left by a killed grader: remove stale ones with docker rm -f)",
                          highlight=False)
    else:
        console.print(f"docker sandbox (--sandbox docker): NOT available ({docker['problem']})", highlight=False)
    if report["leftover_cgroups"]:
        console.print(f"[yellow]{len(report['leftover_cgroups'])} cgroups of crashed grading runs are left[/]: "
                      + ", ".join(report["leftover_cgroups"][:5]) + " (the next grading run removes them)", highlight=False)
    console.print(f"Grading here uses the [bold]{report['default_backend']}[/] sandbox.", highlight=False)
    warm = report["warm_workers"]
    if report["default_backend"] == "bwrap":
        console.print("  grader batch: " + ("warm workers (torch imported once per pool worker, a fork per "
                                            "submission)" if warm["available"] else
                                            f"a fresh worker per submission ({warm['note']})"), highlight=False)
    for warning in report["default_warnings"]:
        console.print(f"  [yellow]missing:[/] {warning}", highlight=False)
    if not report["default_warnings"]:
        console.print("  Every protection it offers is on.")
    console.print("What each protection stops, and what none of them does: SECURITY.md.")
