import type { RowWithoutOffsets } from "../core/assemble-text.js";

const REPLACEMENT = "\uFFFD";
const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Repairs the display text of tokens against the text they are known to decode to, for dialects
 * whose token strings are lossy and carry no raw bytes:
 *
 * - a run of tokens showing `"�"` (a partial UTF-8 character decoded on its own — Ollama,
 *   TGI prefill) takes the characters the text has there: each token keeps the plain text before
 *   its first `"�"` when the text has it, the run's last token gets the rest (as TGI's own
 *   incremental decode does), and their bytes become unknown;
 * - a token that lost its SentencePiece leading space (TGI prefill `batch_decode`) gets it back.
 *
 * Special and empty tokens add no text. A token that does not match the text is left as it is, and so is a
 * run the text cannot explain. Rows with raw bytes that are not valid UTF-8 on their own are the
 * truth already: then nothing is repaired. Feed it incrementally (a stream: text fragments and the
 * tokens that came with them); it holds back a run until the token after it (or the end) settles it.
 *
 * @example
 * const aligner = new TokenTextAligner();
 * aligner.addText("😊!");
 * aligner.addRows(rows); // "�","�","�","�","!" → "","","","😊","!"
 * aligner.finish();
 */
export class TokenTextAligner {
  #text = "";
  #cursor = 0;
  #held: RowWithoutOffsets[] = [];
  #enabled = true;

  /** Appends text the tokens decode to. */
  addText(fragment: string): void {
    this.#text += fragment;
  }

  /** Adds rows in order; returns those whose text is settled (possibly repaired), in order. */
  addRows(rows: readonly RowWithoutOffsets[]): RowWithoutOffsets[] {
    const out: RowWithoutOffsets[] = [];
    for (const row of rows) {
      if (this.#enabled && row.bytes !== null && !isValidUtf8(row.bytes)) this.#enabled = false;
      if (!this.#enabled) {
        out.push(...this.#held.splice(0), row);
      } else if (row.special || row.token === "") {
        // No text of its own: it neither settles a run nor moves the cursor.
        if (this.#held.length > 0) this.#held.push(row);
        else out.push(row);
      } else if (row.bytes === null && row.token.includes(REPLACEMENT)) {
        this.#held.push(row);
      } else {
        if (this.#held.length > 0) out.push(...this.#settle(row.token));
        out.push(this.#advance(row));
      }
    }
    return out;
  }

  /** Settles a run still held at the end of the sequence against the rest of the text. */
  finish(): RowWithoutOffsets[] {
    return this.#held.length > 0 ? this.#settle(undefined) : [];
  }

  /** Rows held back (an unsettled run and what followed it), as they came. */
  held(): readonly RowWithoutOffsets[] {
    return this.#held;
  }

  /** Moves the cursor over a token that matches the text here, restoring a lost leading space. */
  #advance(row: RowWithoutOffsets): RowWithoutOffsets {
    const match = this.#matchAt(this.#cursor, row.token);
    if (match === null) return row;
    this.#cursor += match.length;
    return match === row.token ? row : { ...row, token: match, bytes: null };
  }

  #matchAt(at: number, token: string): string | null {
    if (this.#text.startsWith(token, at)) return token;
    if (token.length > 0 && !token.startsWith(" ") && this.#text.startsWith(` ${token}`, at))
      return ` ${token}`;
    return null;
  }

  /**
   * Gives the held run the text between the cursor and where `next` matches (or the end), when
   * that span is non-empty and has no more characters than the run's own text.
   */
  #settle(next: string | undefined): RowWithoutOffsets[] {
    const held = this.#held.splice(0);
    const run = held.filter((row) => !row.special && row.token.includes(REPLACEMENT));
    const budget = run.reduce((n, row) => n + codePoints(row.token), 0);
    let end = -1;
    if (next === undefined) {
      const rest = codePoints(this.#text.slice(this.#cursor));
      if (rest >= 1 && rest <= budget) end = this.#text.length;
    } else {
      for (let at = this.#cursor + 1; at <= this.#text.length; at++) {
        if (codePoints(this.#text.slice(this.#cursor, at)) > budget) break;
        if (this.#matchAt(at, next) !== null) {
          end = at;
          break;
        }
      }
    }
    if (end < 0) return held;
    const covered = this.#text.slice(this.#cursor, end);
    this.#cursor = end;
    const texts = new Map<RowWithoutOffsets, string>();
    let at = 0;
    run.forEach((row, i) => {
      if (i === run.length - 1) {
        texts.set(row, covered.slice(at));
        return;
      }
      const plain = row.token.slice(0, row.token.indexOf(REPLACEMENT));
      const kept = plain.length > 0 && covered.startsWith(plain, at) ? plain : "";
      texts.set(row, kept);
      at += kept.length;
    });
    return held.map((row) => {
      const text = texts.get(row);
      return text === undefined ? row : { ...row, token: text, bytes: null };
    });
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
