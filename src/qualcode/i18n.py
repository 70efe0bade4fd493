"""The interface language: English by default, Latvian with QUALCODE_LANG=lv or a Latvian locale.

Messages are looked up in a gettext catalogue shipped in the package
(`locale/lv/LC_MESSAGES/qualcode.mo`, compiled from the `.po` next to it by
`scripts/i18n_catalogue.py`). English needs no catalogue, so the English path never imports
`gettext` or reads a file: `qualcode --help` stays as fast as before.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gettext import NullTranslations

DOMAIN = "qualcode"
LANGUAGES = ("en", "lv")
LOCALE_DIR = Path(__file__).parent / "locale"


def language() -> str:
    """The interface language: QUALCODE_LANG (lv/en) first, then LC_ALL, LC_MESSAGES, LANG."""
    chosen = os.environ.get("QUALCODE_LANG", "").strip().lower()
    if chosen:
        return "lv" if chosen.startswith("lv") else "en"
    # The POSIX order: the first of these that is set decides, like setlocale() would.
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "lv" if value.lower().startswith("lv") else "en"
    return "en"


@cache
def translations(lang: str) -> NullTranslations | None:
    """The catalogue for lang, or None for English (or a missing catalogue)."""
    if lang == "en":
        return None
    import gettext  # only a Latvian run pays for gettext and the catalogue read

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    except OSError:  # an install without the catalogue falls back to English, never fails
        return None


def _(message: str) -> str:
    """message in the interface language (unchanged when untranslated)."""
    catalogue = translations(language())
    return message if catalogue is None else catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for n in the interface language (Latvian has three)."""
    catalogue = translations(language())
    if catalogue is None:
        return singular if n == 1 else plural
    return catalogue.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark message for the catalogue without translating it yet (translated where shown)."""
    return message


# --- typer help texts ---------------------------------------------------------------------
# typer builds its click commands from the docstrings and help=... texts each time the app
# runs, so rather than wrapping every docstring, the root group translates the built commands
# (help and every option's help) in place: one hook, and the msgids stay the English texts
# the code declares. `help_texts` lists them for the catalogue.


def _translate_command(command: Any) -> None:
    if getattr(command, "help", None):
        command.help = _(command.help)
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None):
            param.help = _(param.help)
    for sub in getattr(command, "commands", {}).values():
        _translate_command(sub)


def _parameter_infos(callback: Any) -> list[Any]:
    """typer's OptionInfo/ArgumentInfo objects of a command, from defaults and Annotated."""
    import inspect
    import typing

    from typer.models import ParameterInfo

    found: list[Any] = []
    # Commands are wrapped (@handle_errors): the annotations resolve in the module of the
    # function underneath, not the wrapper's.
    callback = inspect.unwrap(callback)
    try:
        hints = typing.get_type_hints(callback, include_extras=True)
    except Exception:  # an unresolvable annotation: typer itself will report it
        hints = {}
    for name, param in inspect.signature(callback).parameters.items():
        if isinstance(param.default, ParameterInfo):
            found.append(param.default)
        for meta in getattr(hints.get(name), "__metadata__", ()):
            if isinstance(meta, ParameterInfo):
                found.append(meta)
    return found


def help_texts(app: Any) -> list[tuple[Any, str, str | None]]:
    """Every (object, attribute, docstring fallback) that holds a help text of a typer app."""
    import inspect

    found: list[tuple[Any, str, str | None]] = [(app.info, "help", None)]
    callbacks: list[tuple[Any, Any]] = []
    if app.registered_callback is not None:
        callbacks.append((app.registered_callback, app.registered_callback.callback))
    for command in app.registered_commands:
        callbacks.append((command, command.callback))
    for info, callback in callbacks:
        if callback is None:
            continue
        found.append((info, "help", inspect.getdoc(callback)))
        found.extend((p, "help", None) for p in _parameter_infos(callback))
    for group in app.registered_groups:
        found.append((group, "help", None))
        found.extend(help_texts(group.typer_instance))
    return found


def localize_app(app: Any) -> None:
    """Make a typer app show its help texts (commands, groups, options) in the interface language.

    The language is read each time the app runs, so QUALCODE_LANG set for one run applies.
    """
    from typer.core import TyperGroup

    class LocalizedGroup(TyperGroup):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if language() != "en":
                _translate_command(self)

    if app.info.cls is None or not isinstance(app.info.cls, type):
        app.info.cls = LocalizedGroup


# --- errors from the core library -----------------------------------------------------------
# The core raises English QualcodeError messages (it is a library too); the CLI translates them
# when it prints them. A message is looked up whole first; the common parameterised ones are
# matched against these templates, and their translatable parts (kind, hint) looked up too.
ERROR_TEMPLATES = (
    N_("no {kind} named {name}; did you mean {guess}?"),
    N_("no {kind} named {name} (there are no {kind}s yet; {hint})"),
    N_("no {kind} named {name} (there are no {kind}s yet)"),
    N_("no {kind} named {name} ({hint})"),
    N_("no {kind} named {name}"),
    N_("no qualcode project at {path}; create one with `qualcode init {path}`"),
    N_(
        "another qualcode process is writing to {path}; wait for it to finish and run the "
        "command again"
    ),
)
# Whole messages and hints the core raises most often (project.py, store/).
ERROR_MESSAGES = (
    N_(
        "no qualcode project here (no qualcode.db in this folder or its parents); run "
        "`qualcode init FOLDER` or pass --project"
    ),
    N_("import transcripts with `qualcode import`"),
    N_("load a codebook with `qualcode codebook load FILE`"),
    N_("import attributes first"),
    N_("load attributes with `qualcode import --attributes FILE`"),
)
# What not_found() names, so `{kind}` reads in Latvian too.
KINDS = (N_("code"), N_("transcript"), N_("respondent"), N_("attribute"), N_("setting"))
_TRANSLATED_PARTS = ("kind", "hint")


@cache
def _template_pattern(template: str) -> Any:
    import re
    from string import Formatter

    pattern, seen = "", set()
    for literal, field, _spec, _conv in Formatter().parse(template):
        pattern += re.escape(literal)
        if field is None:
            continue
        pattern += f"(?P={field})" if field in seen else f"(?P<{field}>.+?)"
        seen.add(field)
    return re.compile(pattern + r"\Z", re.DOTALL)


def translate_error(message: str) -> str:
    """A core error message in the interface language (unchanged when nothing matches)."""
    catalogue = translations(language())
    if catalogue is None:
        return message
    whole = catalogue.gettext(message)
    if whole != message:
        return whole
    for template in ERROR_TEMPLATES:
        match = _template_pattern(template).match(message)
        if match:
            fields = {
                k: (catalogue.gettext(v) if k in _TRANSLATED_PARTS else v)
                for k, v in match.groupdict().items()
            }
            return catalogue.gettext(template).format(**fields)
    return message
