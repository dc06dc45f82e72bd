"""Exports of a workshop: the files of each format, for the CLI and the API.

``render`` gives a format's files by name. md, pdf and json are one file;
csv (notes, links, actions) and svg (each room's board and map) are
several, which the CLI writes into a folder or a zip and the API sends as a
zip (``as_zip``).
"""

from __future__ import annotations

import asyncio
import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from board_server.config import Config
from board_server.export.gather import Gathered, gather
from board_server.export.jsondoc import to_json
from board_server.export.markdown import to_markdown
from board_server.export.pictures import map_image, sketch_image, svg_files
from board_server.export.summary import themes_of
from board_server.export.tables import csv_files
from board_server.model import Workshop
from board_server.storage import Store
from board_server.storage.open import open_store, store_exists

EXPORT_FORMATS = ("md", "pdf", "csv", "json", "svg")
SEVERAL_FILES = frozenset({"csv", "svg"})
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class Export:
    """A format's files, by name, and the workshop they came from."""

    workshop: Workshop
    fmt: str
    files: dict[str, bytes]

    @property
    def stem(self) -> str:
        """A file name for the export, from the title (safe on every system)."""
        words = "".join(c if c.isalnum() else "-" for c in self.workshop.title.lower())
        return "-".join(part for part in words.split("-") if part)[:60] or "workshop"


def files_of(data: Gathered, fmt: str) -> dict[str, bytes]:
    """A format's files, rendered from gathered data."""
    if fmt == "md":
        report = to_markdown(
            data, map_picture=map_image, sketch=sketch_image, themes=themes_of(data)
        )
        return {"report.md": report.encode()}
    if fmt == "pdf":
        # Typst loads only for a PDF: the server starts and idles without it.
        from board_server.export.pdf import to_pdf

        return {"report.pdf": to_pdf(data, themes=themes_of(data))}
    if fmt == "json":
        return {"workshop.json": to_json(data, themes=themes_of(data)).encode()}
    if fmt == "csv":
        return {name: text.encode() for name, text in csv_files(data).items()}
    if fmt == "svg":
        return svg_files(data)
    raise ValueError(f"no {fmt} export")


async def render(
    store: Store, workshop: Workshop, fmt: str, *, include_names: bool = False
) -> Export:
    """A workshop's export in one format (EXPORT_FORMATS)."""
    data = await gather(store, workshop, include_names=include_names)
    return Export(workshop, fmt, files_of(data, fmt))


def as_zip(export: Export) -> bytes:
    """The export's files in one zip, in a folder named after the workshop."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in export.files.items():
            info = zipfile.ZipInfo(f"{export.stem}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


async def find_workshop(store: Store, ref: str) -> Workshop | None:
    """A workshop by id, or by join code."""
    workshop = await store.get_workshop(ref)
    return workshop if workshop is not None else await store.find_workshop_by_code(ref)


async def _render(
    config: Config, workshop_ref: str, fmt: str, *, include_names: bool = False
) -> Export | None:
    store = open_store(config)
    await store.start()
    try:
        workshop = await find_workshop(store, workshop_ref)
        if workshop is None:
            return None
        return await render(store, workshop, fmt, include_names=include_names)
    finally:
        await store.close()


def run_export(
    config: Config, workshop_ref: str, fmt: str, output: str, *, include_names: bool = False
) -> int:
    """Export a workshop, named by id or join code, to a file, a folder, or
    (with "-", single-file formats only) stdout.

    Returns the exit status: 0 on success, 2 on a bad request. Errors go to
    stderr, so that with "-" standard output carries the export alone."""
    if fmt not in EXPORT_FORMATS:
        print(f"error: there is no {fmt} export; use one of {', '.join(EXPORT_FORMATS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    if not store_exists(config):
        print(f"error: no workshops are kept in {config.data_dir.resolve()}: "
              "pass the server's --data-dir", file=sys.stderr)  # fmt: skip
        return 2
    several = fmt in SEVERAL_FILES
    if output == "-" and several:
        print(f"error: {fmt} is several files: give -o a folder or a name ending in .zip",
              file=sys.stderr)  # fmt: skip
        return 2
    export = asyncio.run(_render(config, workshop_ref, fmt, include_names=include_names))
    if export is None:
        print(f"error: no workshop has the code or id {workshop_ref!r}", file=sys.stderr)
        return 2
    if output == "-":
        sys.stdout.buffer.write(next(iter(export.files.values())))
        sys.stdout.flush()
        return 0
    target = Path(output)
    if several and target.suffix.lower() == ".zip":
        target.write_bytes(as_zip(export))
    elif several:
        target.mkdir(parents=True, exist_ok=True)
        for name, content in export.files.items():
            (target / name).write_bytes(content)
    else:
        target.write_bytes(next(iter(export.files.values())))
    print(f"wrote the {fmt} export of {export.workshop.title!r} to {output}")
    return 0
