import type { Tokenizer } from "./tokenizer.js";

/**
 * Turns generated tokens into text deltas the way streaming servers do (TGI's `decode_token`, vLLM's
 * incremental detokenizer): a token that ends inside a UTF-8 character gives `""` and the token that
 * completes it gives the whole character. The deltas concatenate to `tokenizer.decode` of the same
 * tokens once `flush()` is added at the end. Special tokens are skipped (`skip_special_tokens=True`,
 * generated text) unless `keepSpecial` (TGI's per-token `text`, which shows e.g. `<|eot_id|>`).
 *
 * @example
 * const d = new IncrementalDecoder(tokenizer); d.push(76460); d.push(222) // "", then "😀"
 */
export class IncrementalDecoder {
  private readonly tokenizer: Tokenizer;
  private readonly keepSpecial: boolean;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(tokenizer: Tokenizer, options: { keepSpecial?: boolean } = {}) {
    this.tokenizer = tokenizer;
    this.keepSpecial = options.keepSpecial ?? false;
  }

  /** The text this token completes; `""` while a character is still incomplete. */
  push(id: number): string {
    if (!this.keepSpecial && this.tokenizer.isSpecial(id)) return "";
    const bytes = this.tokenizer.bytes(id);
    const joined = new Uint8Array(this.pending.length + bytes.length);
    joined.set(this.pending);
    joined.set(bytes, this.pending.length);
    const text = this.utf8.decode(joined);
    if (text.endsWith("\uFFFD")) {
      this.pending = joined;
      return "";
    }
    this.pending = new Uint8Array(0);
    return text;
  }

  /** Whatever is still held back, decoded with U+FFFD for the incomplete bytes (end of a sequence). */
  flush(): string {
    const text = this.pending.length > 0 ? this.utf8.decode(this.pending) : "";
    this.pending = new Uint8Array(0);
    return text;
  }
}
