"""The container files stay in step with the app: compose.yaml sets only variables the
app reads (audit/config.py, and the standard AWS_* ones boto3 reads), named as in
.env.example; the Dockerfile installs what the PDF reports need (the Makefile's
PDF_PACKAGES), runs gunicorn with gunicorn.conf.py as a user other than root and checks
/healthz. Docker itself is not needed to run these checks.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
import yaml

from audit.config import PROJECT_ROOT

#: What boto3 reads for the S3 storage (STORAGE_URL=s3://...).
AWS_NAMES = {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
#: The services compose.yaml must offer.
SERVICES = {"postgres", "redis", "minio", "web", "worker", "scheduler"}


def _is_environ_get(func: ast.expr) -> bool:
    """``os.environ.get`` or ``os.getenv``."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "environ"
    ) or (isinstance(func, ast.Attribute) and func.attr == "getenv")


def config_names() -> set[str]:
    """Every variable audit/config.py reads: ``os.environ.get("NAME")`` and the helpers
    of that module that read the name they are given (``_flag("NAME")``...)."""
    tree = ast.parse((PROJECT_ROOT / "audit" / "config.py").read_text())
    helpers = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(call, ast.Call)
            and _is_environ_get(call.func)
            and call.args
            and isinstance(call.args[0], ast.Name)
            for call in ast.walk(node)
        )
    }
    names = set()
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or not call.args:
            continue
        first = call.args[0]
        reads = _is_environ_get(call.func) or (
            isinstance(call.func, ast.Name) and call.func.id in helpers
        )
        if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())


def app_services() -> dict[str, dict[str, Any]]:
    """The services that run the app's image (built from the Dockerfile)."""
    return {name: spec for name, spec in compose()["services"].items() if "build" in spec}


def environment(spec: dict[str, Any]) -> dict[str, str]:
    """A service's environment, written as a mapping or as a list of NAME=VALUE."""
    env = spec.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def command(spec: dict[str, Any]) -> str:
    value = spec.get("command", "")
    return " ".join(value) if isinstance(value, list) else str(value)


def makefile_pdf_packages() -> list[str]:
    found = re.search(r"^PDF_PACKAGES\s*:?=\s*(.+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M)
    assert found, "PDF_PACKAGES is gone from the Makefile"
    return found.group(1).split()


def dockerfile() -> str:
    """The Dockerfile with continued lines joined and comments left out."""
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return re.sub(r"\\\n\s*", " ", "\n".join(lines))


def test_config_names_are_found():
    names = config_names()
    # Read directly, and through the module's _flag and _int helpers.
    assert {"DATABASE_URL", "SECRET_KEY", "STORAGE_URL", "REDIS_URL"} <= names
    assert {"SESSION_COOKIE_SECURE", "REPORT_JOB_MIN_BRANCHES"} <= names


def test_compose_has_the_services_and_runs_web_and_worker_from_the_app_image():
    services = compose()["services"]
    assert set(services) >= SERVICES
    assert set(app_services()) >= {"web", "worker"}
    web, worker = command(services["web"]), command(services["worker"])
    assert "flask --app wsgi db upgrade" in web
    assert web.index("db upgrade") < web.index("gunicorn --config gunicorn.conf.py")
    assert "flask --app wsgi report worker" in worker and "--burst" not in worker
    assert command(services["scheduler"]) == "flask --app wsgi jobs schedule"


@pytest.mark.parametrize("service", ["web", "worker", "scheduler"])
def test_compose_sets_only_variables_the_app_reads(service: str):
    env = environment(app_services()[service])
    known = config_names() | AWS_NAMES
    unknown = sorted(set(env) - known)
    assert not unknown, f"compose.yaml {service} sets variables the app never reads: {unknown}"
    documented = (PROJECT_ROOT / ".env.example").read_text()
    undocumented = sorted(name for name in env if not re.search(rf"\b{name}\b", documented))
    assert not undocumented, f"not in .env.example: {undocumented}"
    # What two hosts must share is set, and points at the compose services.
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["STORAGE_URL"].startswith("s3://")
    assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
    assert env["SECRET_KEY"]


def test_web_worker_and_scheduler_share_one_configuration():
    services = app_services()
    assert environment(services["web"]) == environment(services["worker"])
    assert environment(services["web"]) == environment(services["scheduler"])


def test_the_dockerfile_installs_the_pdf_packages_and_runs_gunicorn_as_a_user():
    text = dockerfile()
    installs = " ".join(
        line for line in text.splitlines() if line.startswith("RUN") and "apt-get install" in line
    ).split()
    missing = [name for name in makefile_pdf_packages() if name not in installs]
    assert not missing, f"the Dockerfile does not install {missing} (Makefile PDF_PACKAGES)"

    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"^RUN pip install -r requirements\.txt$", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*/healthz", text, re.M)
    cmd = re.search(r"^CMD\s+(.+)$", text, re.M)
    assert cmd and "gunicorn" in cmd.group(1) and "gunicorn.conf.py" in cmd.group(1)


def test_the_image_leaves_secrets_and_local_data_out():
    ignored = set((PROJECT_ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "instance"} <= ignored
