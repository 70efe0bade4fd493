"""Keep the Latvian catalogue in step with the code: `extract` then translate, then `compile`.

    python scripts/i18n_catalogue.py extract   # add new messages to locale/lv/.../qualcode.po
    python scripts/i18n_catalogue.py compile   # write qualcode.mo next to it
    python scripts/i18n_catalogue.py check     # exit 1 when a message is missing or untranslated

Messages are (a) every help text of the typer app (command docstrings, option help) and
(b) every string literal passed to `_()`, `N_()` or `ngettext()` in the package. Babel (a dev
dependency) reads and writes the .po/.mo files; the installed tool only needs the stdlib.
"""

from __future__ import annotations

import ast
import io
import os
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "qualcode"
PO = PACKAGE / "locale" / "lv" / "LC_MESSAGES" / "qualcode.po"
MO = PO.with_suffix(".mo")
FUNCTIONS = {"_", "N_", "ngettext"}
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def source_messages(root: Path = PACKAGE) -> Iterator[tuple[str | tuple[str, str], str]]:
    """(msgid or (singular, plural), "file:line") for every marked literal in the package."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in FUNCTIONS
            ):
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if node.func.id == "ngettext" and len(args) >= 2:
                if isinstance(args[0], str) and isinstance(args[1], str):
                    yield (args[0], args[1]), where
            elif args and isinstance(args[0], str):
                yield args[0], where


def help_messages() -> list[str]:
    """Every help text of the typer app, in English."""
    os.environ["QUALCODE_LANG"] = "en"
    sys.path.insert(0, str(ROOT / "src"))
    from qualcode.cli import app
    from qualcode.i18n import help_texts

    texts: list[str] = []
    for obj, attr, fallback in help_texts(app):
        text = getattr(obj, attr, None) or fallback
        if text and text not in texts:
            texts.append(text)
    return texts


def all_messages() -> list[str | tuple[str, str]]:
    """Every msgid, help texts first, then in source order."""
    found: dict[str | tuple[str, str], None] = dict.fromkeys(help_messages())
    for msgid, _where in source_messages():
        found.setdefault(msgid)
    return list(found)


def compile_mo(po_bytes: bytes) -> bytes:
    """The .mo bytes for a .po file's bytes (deterministic: the same .po gives the same .mo)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po_bytes))
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _translated(string: str | tuple[str, ...]) -> bool:
    return bool(string) if isinstance(string, str) else all(string)


def extract() -> None:
    """Add new messages to the .po (empty translations) and drop ones no longer used."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    if PO.exists():
        with PO.open("rb") as fh:
            old = read_po(fh, locale="lv")
    else:
        old = Catalog(locale="lv")
    new = Catalog(
        locale="lv",
        domain="qualcode",
        project="qualcode",
        charset="utf-8",
        fuzzy=False,
        # Fixed header dates and names: re-extracting must not change lines nobody edited.
        creation_date=_EPOCH,
        revision_date=_EPOCH,
        copyright_holder="the qualcode authors",
        msgid_bugs_address="the qualcode issue tracker",
        last_translator="qualcode authors",
        language_team="Latvian",
    )
    for msgid in all_messages():
        prior = old.get(msgid)
        empty: str | tuple[str, ...] = "" if isinstance(msgid, str) else ("", "", "")
        string = prior.string if prior else empty
        # Locations are left out: they would change with every edit and make merges noisy.
        new.add(msgid, string)
    with PO.open("wb") as fh:
        write_po(fh, new, width=100, no_location=True)
    missing = [m.id for m in new if m.id and not _translated(m.string)]
    print(f"{PO.relative_to(ROOT)}: {len(new)} messages, {len(missing)} untranslated")


def main(argv: list[str]) -> int:
    """Run the sub-command named in argv."""
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        extract()
    elif command == "compile":
        MO.write_bytes(compile_mo(PO.read_bytes()))
        print(f"wrote {MO.relative_to(ROOT)} ({MO.stat().st_size:,} bytes)")
    elif command == "check":
        from babel.messages.pofile import read_po

        with PO.open("rb") as fh:
            catalog = read_po(fh)
        wanted = set(all_messages())
        missing = [m for m in wanted if m not in catalog]
        empty = [m.id for m in catalog if m.id and not _translated(m.string)]
        for m in missing:
            print(f"missing: {m!r}")
        for m in empty:
            print(f"untranslated: {m!r}")
        return 1 if missing or empty else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
