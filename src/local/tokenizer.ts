import { byteLevelPieceBytes } from "../core/byte-level-bpe.js";
import { UsageError } from "../errors.js";

/**
 * The Llama 3 tokenizer (128,256 ids) the embedded model speaks, with exact token bytes.
 *
 * @example
 * loadTokenizer().encode("The capital of France is") // [791, 6864, 315, 9822, 374]
 */
export interface Tokenizer {
  /** 128,256: 128,000 byte-level BPE tokens plus 256 special tokens. */
  readonly vocabSize: number;
  /** 128000, `<|begin_of_text|>`. */
  readonly bos: number;
  /** 128001, `<|end_of_text|>`. */
  readonly eos: number;
  /** Token ids of `text`, without BOS/EOS; special-token text such as `<|eot_id|>` becomes its special id (as HF and vLLM do). */
  encode(text: string): number[];
  /** Text of a token sequence; incomplete UTF-8 becomes U+FFFD (as HF's byte-level decoder does). */
  decode(ids: readonly number[]): string;
  /** `decode([id])`, cached per id. */
  tokenText(id: number): string;
  /** The exact bytes of one token (special tokens: the UTF-8 of their name). */
  bytes(id: number): Uint8Array;
  /** The raw vocabulary piece, e.g. `"Ġthe"` for id 279. */
  piece(id: number): string;
  /** True for the 256 special tokens (ids >= 128000). */
  isSpecial(id: number): boolean;
}

/** The package's own tokenizer object: only what this wrapper relies on. */
interface Llama3Instance {
  vocabById: string[];
  encode(text: string, options: { bos: boolean; eos: boolean }): number[];
}

const VOCAB_SIZE = 128_256;
const FIRST_SPECIAL = 128_000;

let singleton: Tokenizer | undefined;

/**
 * The Llama 3 tokenizer, created on first use (building its vocabulary takes ~0.5 s and ~59 MB of
 * heap) and shared after.
 *
 * @example
 * const tok = loadTokenizer(); tok.tokenText(tok.encode("日本語")[0]!)
 */
export function loadTokenizer(): Tokenizer {
  // Required here rather than imported: the package builds its vocabulary as it loads, which a lab
  // that only talks to a remote server must not pay for at import (nor in every full GC after).
  // `require`, not `await import()`: this stays synchronous, and the build emits CommonJS.
  singleton ??= createTokenizer(findInstance(require("llama3-tokenizer-js")));
  return singleton;
}

// The package is ESM-only and its ready instance is its default export. How that default arrives
// differs: vitest and Deno give the namespace (`.default` is the instance); tsc's CommonJS output
// goes through `require(esm)` plus `__importStar`, which can wrap the namespace once more
// (`.default.default`). Walking `.default` until something can `encode` covers all of them.
function findInstance(namespace: unknown): Llama3Instance {
  let candidate: unknown = namespace;
  for (let depth = 0; depth < 4 && candidate !== null && typeof candidate === "object"; depth++) {
    const object = candidate as Partial<Llama3Instance> & { default?: unknown };
    if (typeof object.encode === "function" && Array.isArray(object.vocabById))
      return object as Llama3Instance;
    candidate = object.default;
  }
  throw new Error(
    "llama3-tokenizer-js did not expose a tokenizer instance; reinstall it (npm install llama3-tokenizer-js@1.2.0) and use Node >= 20.19.",
  );
}

function createTokenizer(instance: Llama3Instance): Tokenizer {
  const pieces = instance.vocabById;
  if (pieces.length !== VOCAB_SIZE) {
    throw new Error(
      `llama3-tokenizer-js has ${pieces.length} vocabulary entries, expected ${VOCAB_SIZE}; install llama3-tokenizer-js@1.2.0.`,
    );
  }
  const bytesCache: (Uint8Array | undefined)[] = new Array(VOCAB_SIZE);
  const textCache: (string | undefined)[] = new Array(VOCAB_SIZE);
  // ignoreBOM: a token sequence that starts with EF BB BF must keep its U+FEFF, as HF keeps it.
  const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

  const bytes = (id: number): Uint8Array => {
    checkId(id);
    let cached = bytesCache[id];
    if (cached === undefined) {
      cached = id >= FIRST_SPECIAL ? new TextEncoder().encode(pieces[id]!) : pieceBytes(pieces[id]!);
      bytesCache[id] = cached;
    }
    return cached;
  };

  const decode = (ids: readonly number[]): string => {
    let length = 0;
    for (const id of ids) length += bytes(id).length;
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const id of ids) {
      const b = bytes(id);
      joined.set(b, offset);
      offset += b.length;
    }
    return utf8.decode(joined);
  };

  return {
    vocabSize: VOCAB_SIZE,
    bos: FIRST_SPECIAL,
    eos: FIRST_SPECIAL + 1,
    encode(text: string): number[] {
      if (typeof text !== "string") throw new UsageError(`encode() needs a string, got ${typeof text}.`);
      return instance.encode(text, { bos: false, eos: false });
    },
    decode,
    tokenText(id: number): string {
      checkId(id);
      let cached = textCache[id];
      if (cached === undefined) {
        cached = utf8.decode(bytes(id));
        textCache[id] = cached;
      }
      return cached;
    },
    // Callers get a copy so that the cache cannot be mutated through the returned array.
    bytes: (id: number): Uint8Array => bytes(id).slice(),
    piece(id: number): string {
      checkId(id);
      return pieces[id]!;
    },
    isSpecial(id: number): boolean {
      checkId(id);
      return id >= FIRST_SPECIAL;
    },
  };
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
    throw new UsageError(
      `token id ${String(id)} is not a Llama 3 id: ids are integers in [0, ${VOCAB_SIZE}). Use ids from encode() or from the server's response.`,
    );
  }
}

function pieceBytes(piece: string): Uint8Array {
  const bytes = byteLevelPieceBytes(piece);
  if (!bytes) throw new Error(`vocabulary piece ${JSON.stringify(piece)} is not byte-level BPE.`);
  return bytes;
}
