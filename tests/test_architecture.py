"""The house rules: all SQL lives in store/, features never take the Project facade."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "qualcode"
SQL = re.compile(
    r"\b(SELECT\s+.+\s+FROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TEMP\s+)?(TABLE|INDEX|TRIGGER)|PRAGMA\s+\w+|BEGIN\s+IMMEDIATE|ALTER\s+TABLE)\b",
    re.IGNORECASE | re.DOTALL,
)
DB_CALLS = {"execute", "executemany", "executescript"}
# Modules allowed to use Project: the facade itself, the CLI and the demo workflow.
PROJECT_USERS = ("project.py", "project_analysis.py", "__init__.py", "demo.py", "cli/")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def outside_store(path: Path) -> bool:
    return "store" not in path.relative_to(PACKAGE).parts


def test_no_sql_statement_or_cursor_call_outside_the_store() -> None:
    found = []
    for path in filter(outside_store, modules()):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.search(node.value) and not isinstance(
                    getattr(node, "parent", None), ast.Expr
                ):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: SQL text")
            elif isinstance(node, ast.Attribute) and node.attr in DB_CALLS:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .{node.attr}()")
            elif isinstance(node, ast.Attribute) and node.attr == "conn":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: .conn")
    docstrings = _docstring_lines()
    found = [f for f in found if f.rsplit(":", 2)[0] + ":" + f.split(":")[1] not in docstrings]
    assert found == [], "SQL outside store/:\n" + "\n".join(found)


def _docstring_lines() -> set[str]:
    """file:line of every docstring (they may mention SQL words in prose)."""
    out = set()
    for path in modules():
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = node.body[0] if node.body else None
                if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                    out.add(f"{path.relative_to(PACKAGE)}:{doc.value.lineno}")
    return out


def test_feature_modules_never_import_the_project_facade() -> None:
    offenders = []
    for path in modules():
        rel = path.relative_to(PACKAGE).as_posix()
        # The Textual app is a front end like the CLI: it drives the Project facade.
        if rel.startswith((PROJECT_USERS[-1], "tui/")) or rel in PROJECT_USERS:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and (node.module.endswith("project") and node.module != "qualcode.refi.model")
            ):
                offenders.append(f"{rel}:{node.lineno}: from {node.module} import ...")
    assert offenders == []


def test_the_store_never_imports_features_or_the_cli() -> None:
    for path in (PACKAGE / "store").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module in ("errors", "models"), f"{path.name}: ..{node.module}"
