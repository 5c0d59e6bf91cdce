"""Which written form a citizen uses: bokmål, nynorsk or English.

A small word-count heuristic is enough to pick the standard replies and the
receipt's language; a wrong guess costs little and an agent can change it.
"""

import re

_MARKERS = {
    "nn": {"eg", "ikkje", "kva", "korleis", "kvifor", "kven", "berre", "frå", "me", "dykk",
           "høyrer", "noko", "mykje", "kome", "vere", "heime", "no", "saka", "søknaden"},
    "nb": {"jeg", "ikke", "hva", "hvordan", "hvorfor", "hvem", "bare", "fra", "vi", "dere",
           "hører", "noe", "mye", "komme", "være", "hjemme", "nå", "saken", "søknaden"},
    "en": {"i", "the", "and", "is", "please", "you", "my", "what", "how", "why", "hello",
           "thank", "thanks", "would", "could", "regarding"},
}
_WORD = re.compile(r"[a-zæøåA-ZÆØÅ]+")


def detect_language(text: str, default: str = "nb") -> str:
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    if not words:
        return default
    scores = {lang: sum(1 for w in words if w in markers) for lang, markers in _MARKERS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0:
        return default
    # Bokmål and nynorsk share many words; prefer the default unless the other clearly wins.
    if scores.get(default, 0) == scores[best]:
        return default
    return best
