import { describe, expect, it } from "vitest";
import { decodeNdjson, NdjsonDecoder } from "../../src/http/ndjson-decoder.js";
import { cutAt } from "../fixtures/sse.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** mulberry32: a tiny seeded PRNG, so every "random" case is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  return cutAt(bytes, [...new Set(offsets)]);
}

/** Every line, the tail (if any) marked with a trailing "~" to compare runs in one array. */
function run(chunks: readonly (Uint8Array | string)[], decoder = new NdjsonDecoder()): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) lines.push(...decoder.push(chunk));
  const tail = decoder.end();
  if (tail) lines.push(`${tail.line}~`);
  return lines;
}
const whole = (text: string) => run([utf8(text)]);

describe("NdjsonDecoder", () => {
  it("yields each line without its line end, \\r\\n tolerated", () => {
    expect(whole('{"a":1}\n{"b":2}\r\n{"c":3}\n')).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("skips empty and whitespace-only lines", () => {
    expect(whole('\n\r\n  \t\n{"a":1}\n\n\n{"b":2}\n \n')).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("keeps a lone \\r inside a line (only \\n ends an NDJSON line)", () => {
    expect(whole('{"a":\r1}\n')).toEqual(['{"a":\r1}']);
  });

  it("drops a leading BOM, even split across chunks", () => {
    const bytes = utf8('\uFEFF{"a":1}\n');
    expect(run([bytes])).toEqual(['{"a":1}']);
    expect(run([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['{"a":1}']);
  });

  it("end() returns a final line that had no newline, flagged", () => {
    const decoder = new NdjsonDecoder();
    expect(decoder.push(utf8('{"a":1}\n{"done":tr'))).toEqual(['{"a":1}']);
    expect(decoder.push(utf8("ue}"))).toEqual([]);
    expect(decoder.end()).toEqual({ line: '{"done":true}', unterminated: true });
    expect(decoder.end()).toBeUndefined();
  });

  it("end() returns nothing after a terminated body or a blank tail; a \\r tail is trimmed", () => {
    expect(whole('{"a":1}\n')).toEqual(['{"a":1}']);
    expect(whole('{"a":1}\n  ')).toEqual(['{"a":1}']);
    expect(whole('{"a":1}\r')).toEqual(['{"a":1}~']);
  });

  it("reassembles multi-byte characters and \\r\\n split across chunks", () => {
    expect(run([utf8('{"t":"a"}\r'), utf8('\n{"t":"b"}\n')])).toEqual(['{"t":"a"}', '{"t":"b"}']);
    const bytes = utf8('{"t":"😀"}\n');
    for (let i = 0; i <= bytes.length; i++) expect(run(cut(bytes, [i]))).toEqual(['{"t":"😀"}']);
  });

  it("accepts already-decoded string chunks", () => {
    expect(run(['\uFEFF{"a":', '1}\r\n{"b"', ":2}"])).toEqual(['{"a":1}', '{"b":2}~']);
  });

  it("decodeNdjson reads a whole captured body", () => {
    expect(decodeNdjson('{"a":1}\n{"b":2}')).toEqual({ lines: ['{"a":1}', '{"b":2}'], unterminated: true });
    expect(decodeNdjson(utf8('{"a":1}\n'))).toEqual({ lines: ['{"a":1}'], unterminated: false });
  });

  const body = utf8(
    '\uFEFF{"response":"é","logprobs":[{"token":"日本","logprob":-0.1}]}\r\n\n' +
      '{"response":"😀","done":false}\n  \r\n{"response":"","done":true}\r\n{"torn":"😀',
  );
  const expected = run([body]);

  it("gives the same lines when cut at EVERY byte offset, or at every pair of offsets", () => {
    expect(expected).toEqual([
      '{"response":"é","logprobs":[{"token":"日本","logprob":-0.1}]}',
      '{"response":"😀","done":false}',
      '{"response":"","done":true}',
      '{"torn":"😀~',
    ]);
    for (let i = 0; i <= body.length; i++) expect(run(cut(body, [i])), `cut at ${i}`).toEqual(expected);
    for (let i = 0; i <= body.length; i += 3) {
      for (let j = i; j <= body.length; j++)
        expect(run(cut(body, [i, j])), `cut at ${i},${j}`).toEqual(expected);
    }
  });

  it("gives the same lines at random multi-split points (seeded)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const offsets = Array.from({ length: 1 + Math.floor(random() * 15) }, () =>
        Math.floor(random() * (body.length + 1)),
      );
      expect(run(cut(body, offsets)), `seed ${seed}`).toEqual(expected);
    }
  });
});
