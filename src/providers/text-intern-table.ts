/**
 * Strings of a body's text kept once each, in `texts`, by index: a token's text repeats across
 * positions and lists (a top-20 body of 4,096 positions has 90,000 tokens of a few thousand texts),
 * and one kept string per text spares the scan an allocation per token and the result their memory.
 * An open-addressing table from a hash of the code units (computed by the caller while it reads
 * them, with `textHashStep`) to the index.
 *
 * @example
 * const table = new TextInternTable();
 * table.get('"ab"', 1, 3, hash) === table.get('["ab"]', 2, 4, hash) // true: the same index
 */
export class TextInternTable {
  /** The kept strings. */
  readonly texts: string[] = [];
  private hashes: Int32Array = new Int32Array(1024);
  /** Index + 1 into `texts` per slot; 0 for an empty slot. */
  private slots: Int32Array = new Int32Array(1024);

  /** The index of `text[begin, end)` (no escapes in it); `hash` is its code units' `textHashStep` hash. */
  get(text: string, begin: number, end: number, hash: number): number {
    const { hashes, slots, texts } = this;
    const mask = hashes.length - 1;
    const length = end - begin;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const index = (slots[slot] as number) - 1;
      if (index < 0) break;
      const known = texts[index] as string;
      if (hashes[slot] === hash && known.length === length && sameText(known, text, begin)) return index;
    }
    // A slice of 13 or more code units is a view keeping the whole body alive: copy it.
    const made =
      length < 13 ? text.slice(begin, end) : (JSON.parse(text.slice(begin - 1, end + 1)) as string);
    const index = texts.push(made) - 1;
    this.put(index, hash);
    if (texts.length * 2 > hashes.length) this.rehash();
    return index;
  }

  /** The index of a string that is not looked up (an escaped one, parsed). */
  add(value: string): number {
    return this.texts.push(value) - 1;
  }

  private put(index: number, hash: number): void {
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.slots[slot] = index + 1;
  }

  private rehash(): void {
    const { hashes, slots } = this;
    this.hashes = new Int32Array(hashes.length * 2);
    this.slots = new Int32Array(hashes.length * 2);
    for (let k = 0; k < slots.length; k++) {
      const index = (slots[k] as number) - 1;
      if (index >= 0) this.put(index, hashes[k] as number);
    }
  }
}

/**
 * One step of the hash `TextInternTable` expects, per code unit, from `TEXT_HASH_SEED` (FNV-1a).
 *
 * @example
 * let h = TEXT_HASH_SEED; for (const c of "ab") h = textHashStep(h, c.charCodeAt(0));
 */
export function textHashStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, 0x01000193);
}

/**
 * The start of `textHashStep`'s hash (FNV-1a's offset basis).
 *
 * @example
 * let h = TEXT_HASH_SEED;
 */
export const TEXT_HASH_SEED = 0x811c9dc5 | 0;

function sameText(known: string, text: string, begin: number): boolean {
  for (let k = 0; k < known.length; k++) if (known.charCodeAt(k) !== text.charCodeAt(begin + k)) return false;
  return true;
}
