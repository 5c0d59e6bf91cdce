"""desk.attachments: the content-addressed file store."""

import hashlib
import threading
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


def test_writers_of_the_same_new_folder_at_once_all_succeed(tmp_path: Path) -> None:
    files = AttachmentStore(tmp_path)
    blobs = [f"vedlegg {n}".encode() for n in range(40)]
    errors: list[BaseException] = []

    def put_all() -> None:
        try:
            for data in blobs:
                files.put(data)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=put_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(files.read(hashlib.sha256(d).hexdigest()) == d for d in blobs)


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
