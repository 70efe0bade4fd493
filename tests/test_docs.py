"""Every command has help with an example and appears in the README."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.main import get_command

from qualcode.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def _commands() -> list[tuple[str, object]]:
    root = get_command(app)
    out = []

    def walk(cmd: object, prefix: str) -> None:
        subs = getattr(cmd, "commands", None)
        # A group that runs on its own (ratings, pseudonyms) is a command too.
        if not subs or getattr(cmd, "invoke_without_command", False):
            if prefix:
                out.append((prefix, cmd))
        for name, sub in (subs or {}).items():
            walk(sub, f"{prefix} {name}".strip())

    walk(root, "")
    return out


def test_every_command_has_help_with_an_example() -> None:
    missing = [
        name for name, cmd in _commands() if "Example" not in (getattr(cmd, "help", None) or "")
    ]
    assert not missing, f"commands without an Example in their help: {missing}"


def test_every_command_appears_in_the_readme() -> None:
    missing = [name for name, _ in _commands() if f"qualcode {name}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_typer_app_keeps_locals_out_of_tracebacks() -> None:
    assert isinstance(app, typer.Typer)
    assert app.pretty_exceptions_show_locals is False


def test_every_package_is_listed_for_the_build() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(p.parent.relative_to(root / "src").parts)
        for p in (root / "src" / "qualcode").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
