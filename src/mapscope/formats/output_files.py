"""Output files of the commands: where they may go (checked, and their folders created, before any work) and
what a failure to write one says. Every file is rendered in memory first and written atomically, so a failure
never leaves a half-written file."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mapscope.errors import InputError
from mapscope.formats.atomic_file import write_bytes_atomically


def _make_folder(folder: Path, option: str) -> None:
    blocking = next((path for path in (folder, *folder.parents) if path.exists() and not path.is_dir()), None)
    if blocking is not None:
        raise InputError(f"cannot create the folder {folder}: {blocking} is a file", option)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the folder {folder}: {error.strerror or type(error).__name__}", option) from None


def prepare_output_file(path: str | Path, option: str) -> Path:
    """`path` made ready for writing: its folder created; an InputError if that fails or `path` is a folder."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a folder, not a file", option)
    _make_folder(target.parent, option)
    return target


def prepare_output_folder(path: str | Path, option: str) -> Path:
    """The folder `path`, created if missing; an InputError if it cannot be."""
    folder = Path(path)
    _make_folder(folder, option)
    return folder


@contextmanager
def writing_output(path: str | Path) -> Iterator[None]:
    """Around the writing of the output file `path`: a failure of the file system (full disk, no permission,
    a read-only folder) becomes an InputError naming `path` (the atomic writer's temporary file, or no file
    at all, is what the OSError names). The previous version of `path`, if any, is left untouched."""
    try:
        yield
    except OSError as error:
        if isinstance(error, BrokenPipeError):  # stdout closed under us: not this file's failure
            raise
        reason = error.strerror or type(error).__name__
        raise InputError(f"cannot write the file: {reason}", str(path)) from None


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write each file atomically (their folders must exist: see `prepare_output_file`)."""
    for path, data in files.items():
        with writing_output(path):
            write_bytes_atomically(path, data)
