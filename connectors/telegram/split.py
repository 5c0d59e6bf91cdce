"""Long text cut into Telegram messages (at most 4,096 characters each), in order."""

LIMIT = 4096


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Parts of at most `limit` characters, cut at a paragraph break, else a line break,
    else a space near the limit; a word longer than that is cut where it must be.
    The whitespace at a cut is dropped; nothing else is lost."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit + 1]  # a break just after the limit still leaves a full part
        # The strongest break in the second half of the window, so no part is tiny;
        # else the latest break of any kind; else a cut inside a very long word.
        cuts = [window.rfind(sep, 1) for sep in ("\n\n", "\n", " ")]
        cut = next((c for c in cuts if c >= limit // 2), max(cuts))
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
