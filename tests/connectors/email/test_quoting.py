from __future__ import annotations

import pytest

from connectors.email import split_quoted
from connectors.email.htmltext import html_to_text

CASES = [
    (
        "Takk!\n\nOn Mon, 2 Mar 2026 at 10:00, Innbyggerservice <post@kommune.no> wrote:\n> Hei\n",
        "Takk!",
        "On Mon, 2 Mar 2026 at 10:00, Innbyggerservice <post@kommune.no> wrote:\n> Hei",
    ),
    (
        "Ja, det stemmer.\n\nDen 2. mars 2026 kl. 10:00 skrev Innbyggerservice:\n> Stemmer det?",
        "Ja, det stemmer.",
        "Den 2. mars 2026 kl. 10:00 skrev Innbyggerservice:\n> Stemmer det?",
    ),
    (  # Gmail in Norwegian, attribution wrapped over two lines
        "Ok.\n\nman. 2. mar. 2026 kl. 10:00 skrev Innbyggerservice <\npost@kommune.no>:\n\n> Hei",
        "Ok.",
        "man. 2. mar. 2026 kl. 10:00 skrev Innbyggerservice <\npost@kommune.no>:\n\n> Hei",
    ),
    (
        "Se under.\n\n-----Original Message-----\nFrom: A\nSent: today\n\nGammel tekst",
        "Se under.",
        "-----Original Message-----\nFrom: A\nSent: today\n\nGammel tekst",
    ),
    (
        "Svar her.\n\n________________________________\nFra: Innbyggerservice <post@kommune.no>\n"
        "Sendt: 2. mars 2026 10:00\nTil: Ola\nEmne: Henvendelse [2026-004711]\n\nHei Ola",
        "Svar her.",
        "________________________________\nFra: Innbyggerservice <post@kommune.no>\n"
        "Sendt: 2. mars 2026 10:00\nTil: Ola\nEmne: Henvendelse [2026-004711]\n\nHei Ola",
    ),
    ("Nytt.\n\nOla wrote:\n> gammelt\n> mer\n", "Nytt.", "Ola wrote:\n> gammelt\n> mer"),
    (  # inline answers between quotes are new text; only the trailing quote is split off
        "> Spørsmål 1\nSvar 1\n> Spørsmål 2\nSvar 2\n\n> hilsen\n",
        "> Spørsmål 1\nSvar 1\n> Spørsmål 2\nSvar 2",
        "> hilsen",
    ),
    ("Ny tekst.\nFra: meg selv, kun én linje.\n", "Ny tekst.\nFra: meg selv, kun én linje.", ""),
    ("Jeg skrev i går: har dere fått det?", "Jeg skrev i går: har dere fått det?", ""),
]


@pytest.mark.parametrize(("text", "new", "quoted"), CASES)
def test_split_quoted(text: str, new: str, quoted: str):
    assert split_quoted(text) == (new, quoted)


def test_html_to_text_keeps_structure():
    html = "<div>Linje 1<br>Linje 2</div><p>Avsnitt&nbsp;&amp; mer</p><pre>  a\n  b</pre>"
    assert html_to_text(html) == "Linje 1\nLinje 2\n\nAvsnitt & mer\n\n  a\n  b"


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<p>Hei <b>der<p>neste <script>x") == "Hei der\n\nneste"
