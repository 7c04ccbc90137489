"""Writing an output folder, or one file, completely or not at all (the command line, the report,
saved models, the recorded choices of lessons 08 and 09).

Every folder the course writes for a user (``course-lib forecast --out``,
``course-lib report --out``, a saved recommender) goes through
:func:`write_folder`: the files are written into a temporary folder beside
the target, which is renamed into place only when every file is written.
A failure half-way leaves nothing behind, and an existing folder with files
in it is never touched.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path


class FolderNotEmptyError(FileExistsError):
    """The output folder exists and holds files (or is a file): choose a new one."""

    def __init__(self, path):
        self.path = Path(path)
        super().__init__(f"{path}: exists and is not an empty folder; choose a new one")


class CannotWriteError(PermissionError):
    """The output folder cannot be made where it was asked for (a read-only folder or a file on
    the way): choose another one."""

    def __init__(self, path, why: str):
        self.path = Path(path)
        super().__init__(f"{path}: cannot be written ({why}); choose another folder")


def new_output_folder(path) -> Path:
    """``path`` as a :class:`~pathlib.Path`, if it does not exist yet or is an empty folder, in
    a folder this process may write to.

    Call it before any long work, so that a wrong ``--out`` fails at once.
    """
    out = Path(path)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FolderNotEmptyError(out)
    above = out.absolute().parent   # the folder the new one is made in, or its nearest existing parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise CannotWriteError(out, f"{above} is a file, not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise CannotWriteError(out, f"the folder {above} is read-only for you")
    return out


def _usual_mode(mode: int) -> int:
    """``mode`` less the umask: what a file or folder made the ordinary way gets (not the 0600 or
    0700 of a temporary one)."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


@contextmanager
def new_folder(out):
    """A temporary folder beside the new folder ``out``, which becomes ``out`` only if the block
    succeeds (``course-lib prepare`` writes its shards into it; :func:`write_folder`).

    On any error the temporary folder, and the folders above it that were made for it, are
    removed, and ``out`` is left as it was. ``out`` gets the permissions of a folder made the
    ordinary way (not a temporary folder's 0700).
    """
    out = new_output_folder(out)
    made = [p for p in out.absolute().parents if not p.exists()]   # removed again on a failure
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        os.chmod(tmp, _usual_mode(0o777))   # as mkdir would make it, not mkdtemp's 0700
        if out.exists():
            out.rmdir()  # empty: checked by new_output_folder
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for parent in made:   # innermost first; only if still empty
            try:
                parent.rmdir()
            except OSError:
                break
        raise


def write_folder(out, files: Mapping[str, Callable[[Path], object]]) -> Path:
    """Write ``files`` (name -> ``write(path)``) into the new folder ``out``, atomically.

    Each writer gets the path of its file (or sub-folder) inside a temporary
    folder; the temporary folder becomes ``out`` only after every writer has
    returned. If one raises, the temporary folder is removed and the error
    goes on; ``out`` is left as it was.
    """
    with new_folder(out) as tmp:
        for name, write in files.items():
            write(tmp / name)
    return Path(out)


def replace_file(path, text: str | bytes) -> Path:
    """Write ``text`` (or bytes) to ``path`` through a temporary file beside it, renamed over
    ``path`` only once it is complete: a failure leaves the old file as it was. For the course's
    own files (a user's files are never replaced)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.partial-", dir=path.parent)
    try:
        with (os.fdopen(handle, "wb") if isinstance(text, bytes) else
              os.fdopen(handle, "w", encoding="utf-8")) as f:
            f.write(text)
        os.chmod(tmp, _usual_mode(0o666))   # as a file opened for writing would be, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
