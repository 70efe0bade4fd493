"""Check a zip package (.docx, .odt) from its central directory before anything inflates it."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from qualcode.errors import ImportFailed

# A transcript's XML is a few MB at most; these leave room for embedded images.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200  # deflate reaches ~10x on XML; a bomb reaches 1000x
_RATIO_FLOOR = 10 * 1024 * 1024  # small members may compress as well as they like
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_zip(data: bytes, file_name: str, *, xml_parts: tuple[str, ...] = ()) -> None:
    """Refuse zip bombs, path-escaping member names and XML parts that declare a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name):
                    raise ImportFailed(
                        file_name,
                        f"the package has an unsafe member name {name[:60]!r}; "
                        "save the document again from its editor",
                    )
                total += info.file_size
                big = info.file_size > _RATIO_FLOOR
                if big and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise ImportFailed(
                        file_name,
                        f"{name[:60]} would inflate {info.file_size // 2**20} MB "
                        "from a tiny size (a zip bomb?); refusing to open it",
                    )
            if total > MAX_TOTAL_UNCOMPRESSED:
                raise ImportFailed(
                    file_name,
                    f"the package would inflate to {total // 2**20} MB (limit "
                    f"{MAX_TOTAL_UNCOMPRESSED // 2**20} MB); save the transcript without images",
                )
            names = {info.filename for info in infos}
            for part in xml_parts:
                if part in names:
                    with zf.open(part) as member:
                        # A DTD must come before the root element: the first 4 KB tell.
                        if _DTD.search(member.read(4096)):
                            raise ImportFailed(
                                file_name,
                                f"{part} declares a DTD or entities, which "
                                "documents saved by Word or LibreOffice never do; refusing it",
                            )
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        ValueError,  # e.g. "negative seek value" from a mangled central directory
        RuntimeError,
    ):
        return  # not a readable zip: the format's own reader explains what is wrong
