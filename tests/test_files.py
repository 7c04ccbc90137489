"""``course_lib.files``: one folder writer for the command line, the report and saved models,
completely or not at all."""
from __future__ import annotations

import os

import pytest

from course_lib.files import FolderNotEmptyError, new_output_folder, write_folder


def test_write_folder_writes_every_file_and_sub_folder(tmp_path):
    def sub_folder(path):
        write_folder(path, {"inner.txt": lambda p: p.write_text("inner")})

    out = write_folder(tmp_path / "deep" / "out", {"a.txt": lambda p: p.write_text("a"),
                                                   "model": sub_folder})
    assert sorted(os.listdir(out)) == ["a.txt", "model"]
    assert (out / "model" / "inner.txt").read_text() == "inner"
    assert os.listdir(tmp_path / "deep") == ["out"]  # no temporary folder left beside it


def test_a_failing_writer_leaves_nothing(tmp_path):
    def broken(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_folder(tmp_path / "out", {"a.txt": lambda p: p.write_text("a"), "b.txt": broken})
    assert os.listdir(tmp_path) == []
    with pytest.raises(OSError, match="disk full"):   # nor the folders made on the way to it
        write_folder(tmp_path / "new" / "deeper" / "out", {"b.txt": broken})
    assert os.listdir(tmp_path) == []


def test_an_empty_folder_is_used_a_folder_with_files_never(tmp_path):
    (tmp_path / "empty").mkdir()
    write_folder(tmp_path / "empty", {"a.txt": lambda p: p.write_text("a")})
    assert os.listdir(tmp_path / "empty") == ["a.txt"]
    with pytest.raises(FolderNotEmptyError, match="exists and is not an empty folder"):
        new_output_folder(tmp_path / "empty")
    with pytest.raises(FileExistsError):  # FolderNotEmptyError is one
        write_folder(tmp_path / "empty", {"b.txt": lambda p: p.write_text("b")})
    assert os.listdir(tmp_path / "empty") == ["a.txt"]
    (tmp_path / "file").write_text("mine")
    with pytest.raises(FolderNotEmptyError):
        new_output_folder(tmp_path / "file")
    assert (tmp_path / "file").read_text() == "mine"


def test_replace_file_swaps_the_whole_file_or_keeps_the_old_one(tmp_path, monkeypatch):
    from course_lib import files
    from course_lib.files import replace_file

    target = replace_file(tmp_path / "records.json", "old\n")
    assert target.read_text() == "old\n" and oct(target.stat().st_mode & 0o777) != oct(0o600)
    replace_file(target, "new\n")
    assert target.read_text() == "new\n" and os.listdir(tmp_path) == ["records.json"]

    def no_rename(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(files.os, "replace", no_rename)
    with pytest.raises(OSError, match="rename failed"):
        replace_file(target, "lost\n")
    assert target.read_text() == "new\n" and os.listdir(tmp_path) == ["records.json"]  # no partial file left


def test_the_folder_gets_the_usual_permissions_not_a_temporary_folders(tmp_path):
    umask = os.umask(0o022)
    try:
        out = write_folder(tmp_path / "out", {"a.txt": lambda p: p.write_text("a")})
    finally:
        os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o755


def test_prepare_writes_its_folder_as_every_command_does(tmp_path):
    """course-lib prepare wrote a 0700 folder (a temporary folder's), and left the folders it had
    made above --out after an error; it now writes through files.new_folder as the others do."""
    from course_lib.prep.engines import prepare

    (tmp_path / "e.csv").write_text("user,item,time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:01\n"
                                    "2,a,2024-01-03 10:00\n2,b,2024-01-03 10:01\n")
    umask = os.umask(0o022)
    try:
        manifest = prepare(tmp_path / "e.csv", tmp_path / "prepared", test_days=1)
        with pytest.raises(Exception, match="too little data"):
            prepare(tmp_path / "e.csv", tmp_path / "new" / "deeper" / "out", test_days=100)
    finally:
        os.umask(umask)
    assert manifest["counts"]["prefixes"] == 1
    assert (tmp_path / "prepared").stat().st_mode & 0o777 == 0o755
    assert sorted(os.listdir(tmp_path)) == ["e.csv", "prepared"]


def test_an_output_folder_that_cannot_be_made_fails_before_any_work(tmp_path, monkeypatch):
    from course_lib.files import CannotWriteError

    (tmp_path / "file.txt").write_text("mine")
    with pytest.raises(CannotWriteError, match=r"out: cannot be written \(.*file\.txt is a file, not a folder\)"):
        new_output_folder(tmp_path / "file.txt" / "deeper" / "out")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: os.path.realpath(path) != str(read_only))
    with pytest.raises(CannotWriteError, match=r"the folder .*ro is read-only for you"):
        new_output_folder(read_only / "out")
    assert new_output_folder(tmp_path / "new" / "out") == tmp_path / "new" / "out"
