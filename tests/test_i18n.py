"""Every user-facing string is translated into bokmål and nynorsk, and the
compiled catalogs match their sources."""

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "desk" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "N_": None}


def source_messages() -> set[str]:
    method_map = [("desk/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_every_source_string_is_in_the_catalog(locale: str) -> None:
    ids = {m.id for m in catalog(locale) if m.id}
    missing = source_messages() - ids
    assert not missing, f"{locale}: run pybabel extract/update; missing {sorted(missing)[:5]}"


@pytest.mark.parametrize("locale", ["nb", "nn"])
def test_norwegian_catalogs_are_complete(locale: str) -> None:
    untranslated = [m.id for m in catalog(locale) if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"{locale} lacks: {untranslated[:5]}"


def translations(messages: Catalog) -> dict[object, object]:
    """What gettext finds in a catalog: translated, not fuzzy. (Compared as messages,
    not bytes: the header of a compiled file names the Babel version that wrote it.)"""
    return {m.id: m.string for m in messages if m.id and m.string and not m.fuzzy}


@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_compiled_catalog_matches_its_source(locale: str) -> None:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        compiled = read_mo(fh)
    assert translations(compiled) == translations(catalog(locale)), (
        "run: pybabel compile -d desk/translations")


@pytest.mark.parametrize("locale", ["nb", "nn"])
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    for message in catalog(locale):
        if message.id and message.string:
            wanted = set(re.findall(r"%\(\w+\)s", message.id))
            assert set(re.findall(r"%\(\w+\)s", message.string)) == wanted, message.id
