import fc from "fast-check";

/*
 * Byte-level mutations of a valid body's text (issue 7, property b): truncate, flip a bit, insert,
 * delete a range, swap a number literal for NaN / Infinity / 1e999 …, nest a number deeper than
 * JSON.stringify can print.
 */

/** Text that JSON cannot parse or parses to a value no server sends. */
const NUMBER_LITERALS = [
  ...["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "-0", "0.0", "9007199254740993"],
  ...["1.7976931348623157e309", "-9999.0", "5e-324", "-1e-400", "null", "1.", ".5", "+1", "0x10"],
  '"-1"',
];

const INSERTS = [
  '"',
  ...["{", "}", "[", "]", ",", ":", "null", "\n", "\r", "\r\n", "\n\n", "data: ", "data: [DONE]\n\n"],
  ...["\uFEFF", "é", "😀", "\\u", "\\", "\u0000", "event: error\n"],
];

/** One byte-level change of a body's text. */
export type TextMutation =
  | { op: "truncate" | "deleteRange"; at: number; length: number }
  | { op: "flip"; at: number; bit: number }
  | { op: "insert"; at: number; text: string }
  | { op: "number"; at: number; literal: string }
  | { op: "deep"; at: number; depth: number };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom("truncate" as const, "deleteRange" as const),
    at: fc.nat(),
    length: fc.nat(40),
  }),
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...INSERTS), fc.string({ unit: "binary", maxLength: 4 })),
  }),
  fc.record({
    op: fc.constant("number" as const),
    at: fc.nat(),
    literal: fc.constantFrom(...NUMBER_LITERALS),
  }),
  // Deeper than JSON.stringify can print (JSON.parse reads it): what a body built in memory cannot carry.
  fc.record({ op: fc.constant("deep" as const), at: fc.nat(), depth: fc.constantFrom(50, 3_000, 12_000) }),
);

/** 1 to 3 byte-level mutations. */
export const textMutations = fc.array(textMutation, { minLength: 1, maxLength: 3 });

const encoder = new TextEncoder();

/** The body's UTF-8 bytes with the mutations applied (flips may leave invalid UTF-8). */
export function mutateText(text: string, mutations: readonly TextMutation[]): Uint8Array {
  let bytes = encoder.encode(text);
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    switch (m.op) {
      case "truncate":
        bytes = bytes.slice(0, at);
        break;
      case "deleteRange":
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + m.length));
        break;
      case "flip":
        if (at < bytes.length) {
          bytes = bytes.slice();
          bytes[at] ^= 1 << m.bit;
        }
        break;
      case "insert":
        bytes = concat(bytes.subarray(0, at), encoder.encode(m.text), bytes.subarray(at));
        break;
      case "number":
      case "deep": {
        const decoded = new TextDecoder().decode(bytes);
        const numbers = [...decoded.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)];
        if (numbers.length === 0) break;
        const hit = numbers[m.at % numbers.length] as RegExpExecArray;
        const start = hit.index ?? 0;
        const literal =
          m.op === "number" ? m.literal : `${"[".repeat(m.depth)}${hit[0]}${"]".repeat(m.depth)}`;
        bytes = encoder.encode(decoded.slice(0, start) + literal + decoded.slice(start + hit[0].length));
        break;
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
