"""Every message of CPython's own e-mail test corpus parses or is refused with a reason."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from connectors.email import UnparseableMail, parse_message


def _corpus() -> list[Path]:
    try:
        import test

        base = Path(test.__file__).parent
    except ImportError:  # some distributions ship Python without its test package
        base = Path(sysconfig.get_paths()["stdlib"]) / "test"
    return sorted((base / "test_email" / "data").glob("msg_*.txt"))


CORPUS = _corpus()


@pytest.mark.skipif(not CORPUS, reason="this Python has no Lib/test/test_email/data")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_parses_or_refuses_with_reason(path: Path):
    raw = path.read_bytes()
    try:
        msg = parse_message(raw, "email")
    except UnparseableMail as exc:
        assert exc.reason
        return
    assert msg.external_id and msg.sender_address
    assert msg.raw == raw
