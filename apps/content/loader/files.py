"""Reading one file of content/: its text, front matter and YAML, and its fields checked one by
one, each problem recorded with the file, the field and the line."""

from __future__ import annotations

from pathlib import Path

import yaml

from apps.content.loader.records import ContentProblem
from apps.content.rules import SLUG_RE


class FileReader:
    """Collects the problems of one file while its parts are read."""

    def __init__(self, path: Path, root: Path, problems: list[ContentProblem]):
        self.path = path
        self.rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
        self.problems = problems

    def problem(self, field_name: str, message: str, line: int | None = None) -> None:
        self.problems.append(ContentProblem(self.rel, field_name, message, line))

    def read_text(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.problem("file", f"is not valid UTF-8 ({exc.reason} at byte {exc.start})")
        except OSError as exc:
            self.problem("file", f"cannot be read ({exc.strerror})")
        return None

    def read_front_matter(self) -> tuple[str, dict, str, int] | None:
        """The file read and split: (text, front matter, body, line where the body starts), or
        None when a problem was recorded."""
        text = self.read_text()
        if text is None:
            return None
        data, body, body_line = self.split_front_matter(text)
        if data is None:
            return None
        return text, data, body, body_line

    def split_front_matter(self, text: str) -> tuple[dict | None, str, int]:
        """Return (front matter, body, line number where the body starts)."""
        lines = text.splitlines(keepends=True)
        if not lines or lines[0].rstrip("\r\n") != "---":
            self.problem("front matter", "the file must start with a line '---'", 1)
            return None, "", 0
        for index in range(1, len(lines)):
            if lines[index].rstrip("\r\n") == "---":
                header = "".join(lines[1:index])
                data = self.load_yaml(header, "front matter", first_line=2)
                return data, "".join(lines[index + 1 :]), index + 2
        self.problem("front matter", "no closing '---' line", 1)
        return None, "", 0

    def load_yaml(self, text: str, what: str, first_line: int) -> dict | None:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = first_line + mark.line if mark is not None else first_line
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(what, f"invalid YAML: {reason}", line)
            return None
        if not isinstance(data, dict):
            self.problem(what, "must be a YAML mapping of fields", first_line)
            return None
        return data

    def check_fields(self, data: dict, spec: dict[str, bool], what: str, line: int | None) -> bool:
        ok = True
        for name in data:
            if name not in spec:
                allowed = ", ".join(spec)
                self.problem(f"{what}.{name}", f"unknown field (allowed: {allowed})", line)
                ok = False
        for name, required in spec.items():
            if required and (name not in data or data[name] in (None, "")):
                self.problem(f"{what}.{name}", "is required", line)
                ok = False
        return ok

    def slug(self, data: dict, what: str, line: int | None) -> str | None:
        value = data.get("id")
        if not isinstance(value, str) or not SLUG_RE.match(value):
            message = f"must be lowercase words joined by '-', got {value!r}"
            self.problem(f"{what}.id", message, line)
            return None
        return value

    def text(self, data: dict, name: str, what: str, line: int | None, required: bool) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(f"{what}.{name}", "must be text", line)
            return ""
        value = str(value).strip()
        if required and not value:
            self.problem(f"{what}.{name}", "must not be empty", line)
        return value

    def integer(self, data: dict, name: str, what: str, line: int | None) -> int:
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(f"{what}.{name}", f"must be a whole number >= 0, got {value!r}", line)
            return 0
        return value

    def string_list(
        self, data: dict, name: str, what: str, line: int | None, *, low: int, high: int
    ) -> list[str]:
        value = data.get(name, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.problem(f"{what}.{name}", "must be a list of non-empty strings", line)
            return []
        if not low <= len(value) <= high:
            message = f"must have {low} to {high} items, has {len(value)}"
            self.problem(f"{what}.{name}", message, line)
        return [item.strip() for item in value]
