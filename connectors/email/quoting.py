"""Find where a reply's new text ends and the quoted earlier mail begins."""

from __future__ import annotations

import re

# An attribution line ("On Mon, 2 Mar 2026, Ola <ola@x.no> wrote:"), possibly wrapped
# over two lines by the mailer, so it is matched on a line joined with the next one.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\s.+\swrote\s*:"  # English
    r"|(?:Den|den)\s.+\sskrev\s*.*:"  # "Den 2. mars 2026 kl. 10:00 skrev Ola:"
    r"|.*\d.*\sskrev\s.*[<@].*:"  # Gmail: "man. 2. mar. 2026 kl. 10:00 skrev Ola <o@x>:"
    r"|Le\s.+\sa\sécrit\s*:"  # French
    r"|Am\s.+\sschrieb\s.*:"  # German
    r")\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Opprinnelig melding|Originalmelding|"
    r"Ursprüngliche Nachricht|Message d'origine|Ursprungligt meddelande)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Outlook's header block: "From:/Fra:" followed within a few lines by a date or subject.
_FROM_LINE = re.compile(r"^\s*\*?(?:From|Fra|Från|Von|De)\s*:\*?\s+\S", re.IGNORECASE)
_BLOCK_FIELD = re.compile(
    r"^\s*\*?(?:Sent|Sendt|Skickat|Gesendet|Envoyé|Date|Dato|Datum|To|Til|Till|An|À|"
    r"Subject|Emne|Ämne|Betreff|Objet)\s*:",
    re.IGNORECASE,
)
# Markers are short lines; skipping long ones keeps the regexes linear on huge paragraphs.
_MAX_MARKER_LINE = 300
_RULE = re.compile(r"^\s*_{5,}\s*$")


def _quote_start(lines: list[str]) -> int | None:
    """Index of the first line of the quoted part, or None."""
    for i, line in enumerate(lines):
        if len(line) > _MAX_MARKER_LINE:
            continue
        joined = line if i + 1 >= len(lines) else f"{line} {lines[i + 1].strip()}"
        if _ATTRIBUTION.match(line):
            return i
        if not line.lstrip().startswith(">") and _ATTRIBUTION.match(joined):
            return i
        if _SEPARATOR.match(line):
            return i
        if (
            _FROM_LINE.match(line)
            and sum(bool(_BLOCK_FIELD.match(nxt)) for nxt in lines[i + 1 : i + 5]) >= 2
        ):
            return i - 1 if i > 0 and _RULE.match(lines[i - 1]) else i
    # A trailing block of ">" lines (and blank lines) is quoted, inline answers are not.
    start = None
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].lstrip().startswith(">"):
            start = i
        elif lines[i].strip():
            break
    if start is not None:
        # "Ola wrote:" style lines the patterns above do not know still belong to the quote.
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and lines[before].rstrip().endswith(":"):
            return before
    return start


def split_quoted(text: str) -> tuple[str, str]:
    """Split `text` into (new text, quoted rest); the rest is "" when nothing is quoted."""
    lines = text.split("\n")
    start = _quote_start(lines)
    if start is None:
        return text.strip(), ""
    new = "\n".join(lines[:start]).rstrip()
    return new, "\n".join(lines[start:]).strip()
