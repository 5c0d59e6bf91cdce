"""desk.attachments: the content-addressed file store."""

import hashlib
import tempfile
from pathlib import Path

import pytest

from desk.attachments import AttachmentStore


def test_a_file_is_stored_once_under_its_hash(tmp_path: Path) -> None:
    files = AttachmentStore(tmp_path)
    data = "søknad om byggetillatelse".encode()
    sha256 = files.put(data)

    assert sha256 == hashlib.sha256(data).hexdigest()
    assert files.path(sha256) == tmp_path / sha256[:2] / sha256
    assert files.read(sha256) == data
    assert files.put(data) == sha256
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [sha256]  # no temp files left


def test_a_folder_another_writer_makes_meanwhile_is_no_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = AttachmentStore(tmp_path)
    data = b"vedlegg"
    folder = files.path(hashlib.sha256(data).hexdigest()).parent
    real_mkstemp = tempfile.mkstemp
    calls = []

    def mkstemp(**kwargs: object) -> tuple[int, str]:
        calls.append(kwargs)
        if len(calls) == 1:  # the folder is missing; another writer makes it right now
            folder.mkdir()
            raise FileNotFoundError(folder)
        return real_mkstemp(**kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert files.read(files.put(data)) == data
    assert len(calls) == 2


def test_files_of_the_earlier_two_level_layout_are_still_read(tmp_path: Path) -> None:
    data = b"%PDF-1.4 from before"
    sha256 = hashlib.sha256(data).hexdigest()
    legacy = tmp_path / sha256[:2] / sha256[2:4] / sha256
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(data)

    assert AttachmentStore(tmp_path).read(sha256) == data


def test_a_missing_file_and_a_bad_name_are_clear_errors(tmp_path: Path) -> None:
    files = AttachmentStore(tmp_path)
    with pytest.raises(FileNotFoundError):
        files.read("0" * 64)
    with pytest.raises(ValueError, match="not a sha256"):
        files.read("../../etc/passwd")
