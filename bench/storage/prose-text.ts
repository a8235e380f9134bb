/**
 * Text with about the entropy of English prose, the same in every run and in
 * both languages (bench/storage/prose_text.py is a line-by-line port of it): words of
 * a 4,096-word vocabulary of made-up syllable words, drawn with Zipf-like
 * frequencies, in sentences with capitals and punctuation. gzip takes it to
 * about a third, as it does English (a repeated string, or a handful of words,
 * it takes to almost nothing, which hides how storage grows).
 */
const syllables = (
  "ka ri to na mi so le va du ne pa gor lin tes mar bel quo sun dra fel " +
  "ist ven cor ab ul om en tra pli sta ger hon wex yul zab bri chan mos"
).split(" ");

function xorshift(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const vocabulary = (() => {
  const next = xorshift(20261202);
  return Array.from({ length: 4096 }, () => {
    const n = 1 + (next() % 3);
    let word = "";
    for (let i = 0; i < n; i++) word += syllables[next() % syllables.length];
    return word;
  });
})();

/** `length` characters of prose-like text, determined by `seed`. */
export function proseText(seed: number, length: number): string {
  const next = xorshift(seed * 2654435761);
  let text = "";
  let sentence = 0;
  while (text.length < length) {
    // Zipf-like: the rank is a power of a uniform draw, so the first words are by far the most frequent.
    const u = (next() % 1_000_000) / 1_000_000;
    const word = vocabulary[Math.floor(vocabulary.length * u ** 2.5)]!;
    text += sentence === 0 ? word[0]!.toUpperCase() + word.slice(1) : word;
    sentence++;
    if (sentence > 6 && next() % 8 === 0) {
      text += next() % 5 === 0 ? "? " : ". ";
      sentence = 0;
    } else text += next() % 11 === 0 ? ", " : " ";
  }
  return text.slice(0, length);
}
