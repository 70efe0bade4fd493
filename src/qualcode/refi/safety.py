"""Guarded reading of untrusted REFI-QDA files: ZIP members and XML documents.

Everything here is checked before a byte is decompressed or an entity expanded, and every
refusal is a one-line QualcodeError naming the file and what to do.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any

from ..errors import QualcodeError

MAX_MEMBER_BYTES = 512 * 1024 * 1024  # one transcript or project.qde, uncompressed
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # the whole archive, uncompressed
MAX_MEMBERS = 100_000
MAX_RATIO = 200  # text compresses ~3-10x; zip bombs compress 1000x and more
RATIO_FLOOR = 1024 * 1024  # small members may compress well without being bombs


class RefiFileError(QualcodeError):
    """A REFI-QDA file is unreadable or hostile."""


def safe_member_name(name: str) -> str | None:
    """The member's normalised relative path, or None when it escapes the archive."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return None
    parts = cleaned.split("/")
    if any(part == ".." for part in parts):
        return None
    normal = posixpath.normpath(cleaned)
    if normal.startswith("../") or normal == "..":
        return None
    return normal


class SafeZip:
    """A ZIP archive whose member names, sizes and ratios were checked on opening."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise RefiFileError(
                f"{path}: not a readable .qdpx (ZIP) file ({exc}); export it again from its tool"
            ) from None
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise RefiFileError(f"{path}: {len(infos)} files inside; refusing over {MAX_MEMBERS}")
        self.members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = safe_member_name(info.filename)
            if name is None:
                raise RefiFileError(
                    f"{path}: member {info.filename!r} points outside the archive; "
                    "refusing to read a possibly hostile file"
                )
            if info.file_size > MAX_MEMBER_BYTES:
                raise RefiFileError(
                    f"{path}: member {name!r} unpacks to {info.file_size} bytes; "
                    f"refusing over {MAX_MEMBER_BYTES}"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise RefiFileError(
                    f"{path}: member {name!r} compresses {ratio:.0f}:1, like a zip bomb; "
                    "refusing to unpack it"
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise RefiFileError(
                    f"{path}: unpacks to over {MAX_TOTAL_BYTES} bytes; refusing to unpack it"
                )
            if not info.is_dir():
                self.members[name] = info

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, name: str) -> str | None:
        """The member whose path equals name, ignoring case, or None."""
        if name in self.members:
            return name
        lowered = name.lower()
        for member in self.members:
            if member.lower() == lowered:
                return member
        return None

    def read(self, name: str) -> bytes:
        """The member's bytes, never more than its declared size (headers can lie)."""
        info = self.members[name]
        with self._zip.open(info) as handle:
            data = handle.read(info.file_size + 1)
        if len(data) > info.file_size:
            raise RefiFileError(f"{self.path}: member {name!r} is larger than it declares")
        return data


def parse_xml(data: bytes, where: str) -> Any:
    """The parsed root element; DTDs, entities and network access are refused."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise RefiFileError(f"{where}: not well-formed XML ({exc}); export it again") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # REFI-QDA documents never have a DTD; one here can only declare entities.
        raise RefiFileError(f"{where}: has a DOCTYPE/DTD, which REFI-QDA files never have")
    return root
