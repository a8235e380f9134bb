"""Prose-like text: a line-by-line port of bench/storage/prose-text.ts (the same text for a seed)."""

SYLLABLES = (
    "ka ri to na mi so le va du ne pa gor lin tes mar bel quo sun dra fel "
    "ist ven cor ab ul om en tra pli sta ger hon wex yul zab bri chan mos"
).split(" ")

M32 = 0xFFFFFFFF


def _xorshift(seed: int):
    x = (seed & M32) or 1

    def nxt() -> int:
        nonlocal x
        x ^= (x << 13) & M32
        x ^= x >> 17
        x ^= (x << 5) & M32
        return x

    return nxt


def _vocabulary() -> list[str]:
    nxt = _xorshift(20261202)
    words = []
    for _ in range(4096):
        n = 1 + nxt() % 3
        words.append("".join(SYLLABLES[nxt() % len(SYLLABLES)] for _ in range(n)))
    return words


VOCABULARY = _vocabulary()


def prose_text(seed: int, length: int) -> str:
    # JS: seed * 2654435761 as a double, then >>> 0 (exact below 2**53 for the seeds used).
    nxt = _xorshift(int(seed * 2654435761) % (1 << 32))
    text = ""
    sentence = 0
    while len(text) < length:
        u = (nxt() % 1_000_000) / 1_000_000
        word = VOCABULARY[int(len(VOCABULARY) * u**2.5)]
        text += word[0].upper() + word[1:] if sentence == 0 else word
        sentence += 1
        if sentence > 6 and nxt() % 8 == 0:
            text += "? " if nxt() % 5 == 0 else ". "
            sentence = 0
        else:
            text += ", " if nxt() % 11 == 0 else " "
    return text[:length]
