"""Readers for the files under deploy/: the compose file, the systemd units, the env example,
and the environment variables the code itself reads (by looking at its source)."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
# Where the units expect the checkout and its virtualenv (docs/deploy.md).
INSTALL_PREFIX = "/opt/portal"
# The compose services that run the portal's code (the others are stock images).
PORTAL_SERVICES = ("migrate", "web", "worker", "beat")
# Variables the code reads that are not the portal's to configure.
GENERIC_VARIABLES = {"XDG_CACHE_HOME", "DJANGO_SETTINGS_MODULE", "HOME"}

_READ = re.compile(
    r"""(?:environ\.get|environ\[|getenv|env_bool|env_int|env_list|_int)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_NAME_CONSTANT = re.compile(r"""^[A-Z_]*_ENV\s*=\s*["']([A-Z][A-Z0-9_]*)["']""", re.M)
_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.M)
_UNIT_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def command_of(service: dict) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(argv: list[str], *names: str) -> str | None:
    """The value of `--name value` or `--name=value` (any of `names`) in argv."""
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def code_files() -> list[Path]:
    files = [*(REPO / "portal").glob("*.py"), *(REPO / "apps").rglob("*.py")]
    files += DEPLOY.glob("*.py")
    return [f for f in files if f.name != "settings_test.py" and "migrations" not in f.parts]


def variables_read_by_code() -> dict[str, set[str]]:
    """Variable name -> the files that read it."""
    found: dict[str, set[str]] = {}
    for path in code_files():
        text = path.read_text()
        names = set(_READ.findall(text)) | set(_NAME_CONSTANT.findall(text))
        if "dj_database_url.config(" in text:
            names.add("DATABASE_URL")  # dj-database-url reads it by default
        for name in names - GENERIC_VARIABLES:
            found.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return found


def example_variables() -> set[str]:
    return set(_EXAMPLE_LINE.findall((DEPLOY / "portal.env.example").read_text()))


class Unit:
    """A systemd unit file: sections of (key, value) pairs in order (keys may repeat)."""

    def __init__(self, path: Path):
        self.path = path
        self.sections: dict[str, list[tuple[str, str]]] = {}
        section = None
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = self.sections.setdefault(line[1:-1], [])
                continue
            key, _, value = line.partition("=")
            assert section is not None, f"{path.name}: {raw!r} outside a section"
            section.append((key.strip(), value.strip()))

    def all(self, key: str, section: str = "Service") -> list[str]:
        return [value for k, value in self.sections.get(section, []) if k == key]

    def get(self, key: str, section: str = "Service") -> str | None:
        values = self.all(key, section)
        return values[-1] if values else None

    def environment(self) -> dict[str, str]:
        return dict(value.split("=", 1) for value in self.all("Environment"))

    def exec_start(self) -> list[str]:
        return shlex.split(self.get("ExecStart") or "")

    def variables(self) -> set[str]:
        """${NAME} references in the unit's command lines (systemd expands them)."""
        return set(_UNIT_VARIABLE.findall(" ".join(self.all("ExecStart"))))


def units() -> dict[str, Unit]:
    return {path.name: Unit(path) for path in sorted(UNITS.glob("*.service"))}


def installed_copy(unit: Path, folder: Path) -> Path:
    """The unit as it would be installed, with the checkout and virtualenv of this machine in
    place of /opt/portal (so systemd-analyze finds the programs it starts)."""
    venv_bin = str(Path(sys.executable).parent)
    text = unit.read_text().replace(f"{INSTALL_PREFIX}/.venv/bin", venv_bin)
    text = text.replace(INSTALL_PREFIX, str(REPO))
    target = folder / unit.name
    target.write_text(text)
    return target
