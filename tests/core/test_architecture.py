"""The layout rules docs/architecture.md writes down, checked on the code itself.

A newcomer reads the layers from the imports at the top of each module; these tests keep that
reading true: modules small enough to read, no import circle between apps, no import hidden in a
function to dodge one, no management command used as a library, and each domain word spelled in
one place.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
MAX_LINES = 400
# Runners copied into the jail and run there; they are one file on purpose (docs/sandbox.md).
LONG_ALLOWED = {"apps/sandbox/harness/runner.py", "apps/sandbox/harness/runner.js"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if len(parts) < 2:  # apps/__init__.py: the namespace, not an app
            continue
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _app(module: str) -> str:
    return module.split(".")[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The project modules an import statement loads (a `from package import name` loads the
    submodule `package.name` when there is one)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            is_package = MODULES[module].name == "__init__.py"
            anchor = package if is_package else package[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in names if name in MODULES]


def _top_level_imports(tree: ast.Module):
    """Imports run when the module loads: the module body and its plain `if`/`try` blocks, not
    functions, classes' methods or `if TYPE_CHECKING:`."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)


def _function_imports(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner


TREES = {module: ast.parse(path.read_text()) for module, path in MODULES.items()}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, tree in TREES.items():
        for node in _top_level_imports(tree):
            graph[module].update(name for name in _imported(node, module) if name != module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(MODULES):
        if node not in index:
            visit(node)
    return found


def test_no_module_under_apps_is_longer_than_a_reader_can_hold():
    long = []
    for path in [*APPS.rglob("*.py"), *APPS.rglob("*.js")]:
        relative = str(path.relative_to(ROOT))
        if "migrations" in path.parts or relative in LONG_ALLOWED:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES:
            long.append(f"{relative}: {lines} lines")
    assert not long, "split these by sub-noun (docs/architecture.md):\n" + "\n".join(long)


def test_no_import_circle_between_apps():
    circles = [c for c in _cycles(_graph()) if len({_app(module) for module in c}) > 1]
    assert not circles, f"modules of different apps importing each other: {circles}"


def test_core_and_sandbox_sit_at_the_bottom():
    """apps.core serves every app and imports none; the sandbox has no Django and imports no
    app (it is a library the exercises app drives)."""
    graph = _graph()
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if _app(module) in {"core", "sandbox"} and _app(target) not in {_app(module), "sandbox"}
    ]
    assert not wrong, wrong
    django_in_sandbox = [
        module
        for module, tree in TREES.items()
        if _app(module) == "sandbox"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            name.split(".")[0] == "django"
            for name in (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        )
    ]
    assert not django_in_sandbox, django_in_sandbox


# The layers, bottom up (docs/architecture.md): 0 core and the sandbox; 1 models and the plain
# definitions beside them; 2 the domain (selectors, services, rules); 3 the edges (views, urls,
# admin, tasks, the worker, commands, template tags, navigation, app configs).
EDGES = {"views", "urls", "admin", "tasks", "worker", "management", "templatetags", "navigation"}
DEFINITIONS = {"models", "choices", "rules"}


def _layer(module: str) -> int:
    parts = module.split(".")
    if parts[1] in {"core", "sandbox"}:
        return 0
    inside = parts[2:]
    if inside and inside[0] in DEFINITIONS:
        return 1
    if inside and (inside[0] == "apps" or any(part in EDGES for part in inside)):
        return 3
    return 2


def test_no_module_reaches_up_into_another_apps_higher_layer():
    """A service may read another app's models or call its services; it never imports another
    app's views, tasks or admin, and models never import another app's services."""
    graph = _graph()
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in graph.items()
        for target in targets
        if _app(target) != _app(module) and _layer(target) > _layer(module)
    ]
    assert not upward, upward


def test_the_course_sits_below_study_exercises_and_cohorts():
    """Content's models and domain modules import only core and the sandbox: the course is what
    the other apps are about, so it knows none of them (its pages and admin may)."""
    graph = _graph()
    wrong = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        if _app(module) == "content" and _layer(module) < 3
        for target in targets
        if _app(target) not in {"content", "core", "sandbox"}
    ]
    assert not wrong, wrong


def test_imports_inside_functions_say_why():
    """An import inside a function hides a dependency; the few kept (start-up cost, an optional
    tool, enqueueing a task from the module the task calls) carry a comment on the line saying
    so. One that only dodged a circle has moved to the top."""
    silent = []
    for module, tree in TREES.items():
        lines = MODULES[module].read_text().splitlines()
        for node in _function_imports(tree):
            if not _imported(node, module):
                continue
            text = " ".join(lines[node.lineno - 1 : node.end_lineno])
            if "#" not in text:
                silent.append(f"{MODULES[module].relative_to(ROOT)}:{node.lineno}")
    assert not silent, "imports inside functions without a reason:\n" + "\n".join(silent)


def test_no_management_command_is_imported_as_a_library():
    users = [
        f"{MODULES[module].relative_to(ROOT)}:{node.lineno}"
        for module, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(".management.commands." in name for name in _imported(node, module))
    ]
    assert not users, users


def _grep(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    hits = []
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if regex.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}")
    return hits


CONTENT_MODELS = "apps/content/models.py"
STUDY_MODELS = "apps/study/models.py"
LANGUAGES = "apps/sandbox/languages.py"
CSV_EXPORT = "apps/core/csv_export.py"


@pytest.mark.parametrize(
    ("word", "pattern", "home"),
    [
        ("a live card or lesson", r"lesson__is_retired|track__is_retired", CONTENT_MODELS),
        ("learned / mastered", r"stability__gte|State\.REVIEW\b", STUDY_MODELS),
        ("the mastery threshold", r"MASTERED_STABILITY_DAYS\s*=", STUDY_MODELS),
        ("a language's name", r"^[^#]*[\"'](javascript|python)[\"']", LANGUAGES),
        ("the formula guard", r"FORMULA_STARTS\s*=", CSV_EXPORT),
        ("a CSV response", r"StreamingHttpResponse\(", CSV_EXPORT),
    ],
)
def test_each_domain_word_is_defined_once(word, pattern, home):
    hits = _grep(pattern)
    outside = [hit for hit in hits if not hit.startswith(f"{home}:")]
    assert not outside, f"{word} spelled outside its home ({home}): {outside}"
