"""The multi-host layout under deploy/ (docs/deploy.md) agrees with the code and with itself.

Docker cannot run here, so the compose file is checked as data: one beat, workers on every
queue the settings route tasks to, only variables the code reads, the web command on the
repository's gunicorn config. The systemd units go through `systemd-analyze verify`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.urls import resolve

from tests.deploy.layout import (
    DEPLOY,
    PORTAL_SERVICES,
    REPO,
    command_of,
    compose,
    example_variables,
    installed_copy,
    option,
    units,
    variables_read_by_code,
)

WORKER_CAPABILITIES = {"SETUID", "SETGID", "KILL"}


def routed_queues() -> set[str]:
    """Every queue a task can land on: the routes' and Celery's default queue (the sweep)."""
    routes = settings.CELERY_TASK_ROUTES.values()
    return {route["queue"] for route in routes} | {"celery"}


def celery_role(argv: list[str]) -> str | None:
    """`worker` or `beat` for a celery command line, else None."""
    if not argv or Path(argv[0]).name != "celery":
        return None
    return next((arg for arg in argv if arg in {"worker", "beat"}), None)


def test_exactly_one_beat_and_no_worker_runs_one_inside():
    services = compose()["services"]
    beats = [name for name, s in services.items() if celery_role(command_of(s)) == "beat"]
    assert beats == ["beat"], "exactly one service may run celery beat"
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    worker = command_of(services["worker"])
    assert not {"-B", "--beat"} & set(worker), "a worker with an embedded beat multiplies beats"


def test_workers_consume_every_routed_queue_under_distinct_node_names():
    worker = compose()["services"]["worker"]
    argv = command_of(worker)
    assert celery_role(argv) == "worker"
    queues = set((option(argv, "--queues", "-Q") or "").split(","))
    assert "sandbox" in queues and routed_queues() <= queues, (queues, routed_queues())
    # %h expands to each replica's (container's) host name: one node name per replica.
    assert "%h" in (option(argv, "--hostname", "-n") or "")
    assert "web" not in compose()["services"]["worker"].get("networks", []), (
        "workers reach PostgreSQL and Redis only"
    )


def test_worker_gets_what_the_jail_needs_and_no_more():
    worker = compose()["services"]["worker"]
    assert worker["user"] == "root", "the jail gives each run a slot uid, which needs root"
    assert worker["cap_drop"] == ["ALL"]
    assert set(worker["cap_add"]) == WORKER_CAPABILITIES
    assert set(worker["security_opt"]) == {
        "seccomp=unconfined",
        "apparmor=unconfined",
        "systempaths=unconfined",
    }
    assert not worker.get("privileged"), "privileged would give the worker every capability"
    assert worker["mem_limit"] and worker["pids_limit"], "the cgroup backstop (docs/sandbox.md)"


def test_web_serves_gunicorn_with_the_repository_config_behind_the_load_balancer():
    services = compose()["services"]
    web = services["web"]
    argv = command_of(web)
    assert argv[0] == "gunicorn" and option(argv, "-c", "--config") == "deploy/gunicorn.conf.py"
    assert (REPO / "deploy/gunicorn.conf.py").is_file()
    assert web["environment"]["BIND"].endswith(":8000")
    assert "ports" not in web, "only the load balancer is reachable from outside"
    assert "edge" in web["networks"] and services["lb"]["networks"] == ["edge"]
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"dynamic a web 8000", caddyfile), "the LB proxies to every web replica"
    # The health check asks a URL the app has.
    health = web["healthcheck"]["test"]
    assert health[1:3] == ["python", "deploy/http_check.py"]
    assert resolve(health[3]).url_name == "healthz"


def test_migrations_and_content_run_once_before_any_portal_process():
    services = compose()["services"]
    migrate = " ".join(command_of(services["migrate"]))
    assert "manage.py migrate" in migrate and "manage.py import_content" in migrate
    for name in ("web", "worker", "beat"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_portal_services_set_only_variables_the_code_reads():
    known = variables_read_by_code()
    services = compose()["services"]
    for name in PORTAL_SERVICES:
        unknown = set(services[name].get("environment", {})) - set(known)
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


def test_env_example_lists_exactly_the_variables_the_code_reads():
    known = set(variables_read_by_code())
    unit_variables = set().union(*(unit.variables() for unit in units().values()))
    listed = example_variables()
    missing = known - listed
    assert not missing, f"add to deploy/portal.env.example: {sorted(missing)}"
    stale = listed - known - unit_variables
    assert not stale, f"deploy/portal.env.example lists variables nothing reads: {sorted(stale)}"


def test_image_builds_static_files_and_keeps_secrets_out():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert "manage.py collectstatic" in dockerfile
    assert re.search(r"^USER portal$", dockerfile, re.M), "web and beat do not run as root"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {"deploy/portal.env", ".venv", "var", ".git"} <= set(ignored)


# --- systemd ------------------------------------------------------------------------------


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    installed = [installed_copy(unit.path, tmp_path) for unit in units().values()]
    names = [p.name.replace("@.service", "@w1.service") for p in installed]
    if shutil.which("systemd-analyze") is None:
        # No systemd here: at least every program a unit starts must exist.
        for path in installed:
            for key in ("ExecStart", "ExecReload"):
                for line in re.findall(rf"^{key}=(\S+)", path.read_text(), re.M):
                    assert os.access(line, os.X_OK), (path.name, line)
        return
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on unknown keys and bad values, but says so: both must stay silent.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_systemd_units_match_the_compose_layout():
    found = units()
    assert set(found) == {"portal-web.service", "portal-worker@.service", "portal-beat.service"}
    web, worker, beat = (
        found["portal-web.service"],
        found["portal-worker@.service"],
        found["portal-beat.service"],
    )
    web_argv = web.exec_start()
    assert option(web_argv, "--config", "-c") == "/opt/portal/deploy/gunicorn.conf.py"

    worker_argv = worker.exec_start()
    queues = set((option(worker_argv, "--queues", "-Q") or "").split(","))
    assert routed_queues() <= queues
    # The instance name becomes the node name; %%h reaches Celery as its own %h.
    assert option(worker_argv, "--hostname", "-n") == "%i@%%h"
    assert worker.get("User") == "root" and worker.get("KillMode") == "mixed"
    capabilities = set(worker.get("CapabilityBoundingSet").split())
    assert capabilities == {f"CAP_{name}" for name in WORKER_CAPABILITIES}
    assert worker.get("MemoryMax") and worker.get("TasksMax")
    for breaks_the_jail in ("ProtectKernelTunables", "ProtectProc", "RestrictNamespaces"):
        assert worker.get(breaks_the_jail) is None, breaks_the_jail

    roles = {name: celery_role(unit.exec_start()) for name, unit in found.items()}
    assert roles == {
        "portal-web.service": None,
        "portal-worker@.service": "worker",
        "portal-beat.service": "beat",
    }, "beat runs from one unit only"
    assert web.get("User") == beat.get("User") == "portal"
    for unit in found.values():
        assert unit.get("EnvironmentFile") == "/etc/portal/portal.env", unit.path.name


def test_each_unit_writes_only_its_own_state_directory():
    """systemd chowns a StateDirectory to its unit's user, so units of different users on one
    host (web and beat: portal, worker: root) must not share one; and PORTAL_VAR_DIR, which the
    settings create at start, must be writable under ProtectSystem=strict."""
    claimed: dict[str, str] = {}
    for name, unit in units().items():
        directories = unit.get("StateDirectory").split()
        for directory in directories:
            assert directory not in claimed, (directory, claimed.get(directory), name)
            claimed[directory] = name
        var_dir = unit.environment()["PORTAL_VAR_DIR"]
        assert var_dir.removeprefix("/var/lib/") in directories, (name, var_dir)
