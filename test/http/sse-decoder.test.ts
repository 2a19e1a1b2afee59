import { describe, expect, it } from "vitest";
import { decodeSse, SseDecoder, type StreamEvent } from "../../src/http/sse-decoder.js";
import { cutAt } from "../fixtures/sse.js";

// ---- helpers: seeded PRNG, chunkers, and a naive reference interpreter written from the spec ----
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

/** `bytes` cut at the given offsets (sorted, deduplicated, may include 0 and length → empty chunks). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  return cutAt(bytes, [...new Set(offsets)]);
}

/** Random cut points: between 1 and `max` of them, anywhere in 0..length. */
function randomOffsets(length: number, random: () => number, max = 12): number[] {
  const n = 1 + Math.floor(random() * max);
  return Array.from({ length: n }, () => Math.floor(random() * (length + 1)));
}

/** The reference: the spec's interpretation of a whole stream, plus our flagged unterminated tail. */
function referenceSse(bytes: Uint8Array): StreamEvent[] {
  let text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const lines = text.split(/\r\n|\r|\n/);
  const tail = lines.pop() ?? "";
  const events: StreamEvent[] = [];
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  const field = (line: string) => {
    if (line === "") {
      if (data.length > 0) events.push({ event, data: data.join("\n"), id });
      data = [];
      event = undefined;
      id = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "data") data.push(value);
    else if (name === "event") event = value === "" ? undefined : value;
    else if (name === "id" && !value.includes("\0")) id = value;
  };
  for (const line of lines) field(line);
  if (tail !== "") field(tail);
  if (data.length > 0) events.push({ event, data: data.join("\n"), id, unterminated: true });
  return events;
}

const PAYLOADS = [
  '{"token":{"id":1,"text":"é","logprob":-0.5}}',
  "日本",
  "😀 grin",
  "a:b: c",
  "  two leading spaces",
  "",
  "[DONE]",
  "x",
];
const LINES = [
  (p: string) => `data: ${p}`,
  (p: string) => `data:${p}`,
  () => "data",
  () => "data:",
  () => "event: token",
  () => "event:",
  () => "id: 42",
  () => "id",
  () => "retry: 250",
  () => "retry: soon",
  () => ": keep-alive",
  () => ":",
  () => "foo: bar",
  (p: string) => `data : ${p}`,
  () => "",
  () => "",
];
const ENDINGS = ["\n", "\r\n", "\r"];

/** A random but well-mixed SSE stream: every kind of line, ending, and multi-byte payload. */
function randomSse(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let text = random() < 0.2 ? "\uFEFF" : "";
  const count = 1 + Math.floor(random() * 25);
  for (let i = 0; i < count; i++) text += pick(LINES)(pick(PAYLOADS)) + pick(ENDINGS);
  if (random() < 0.3) text += pick(LINES)(pick(PAYLOADS)); // a torn last line
  return text;
}

/** Feeds the chunks one by one and then ends the stream: every event, in order. */
function run(chunks: readonly (Uint8Array | string)[], decoder = new SseDecoder()): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
}
const whole = (text: string) => run([utf8(text)]);
const ev = (data: string, more: Partial<StreamEvent> = {}): StreamEvent => ({
  event: undefined,
  id: undefined,
  data,
  ...more,
});

describe("SseDecoder framing", () => {
  it("dispatches on a blank line, with or without the space after data:", () => {
    expect(whole('data: {"a":1}\n\ndata:{"b":2}\n\n')).toEqual([ev('{"a":1}'), ev('{"b":2}')]);
  });

  it("strips exactly one space after the colon", () => {
    expect(whole("data:  two\n\n")).toEqual([ev(" two")]);
  });

  it("joins multi-line data with \\n", () => {
    expect(whole("data: one\ndata:two\ndata\ndata: \n\n")).toEqual([ev("one\ntwo\n\n")]);
  });

  it("accepts \\n, \\r\\n and lone \\r line ends, mixed", () => {
    expect(whole("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n")).toEqual([
      ev("a"),
      ev("b"),
      ev("c"),
      ev("d"),
    ]);
  });

  it("ignores comments, and an event made only of comments dispatches nothing", () => {
    expect(whole(": keep-alive\n\n:\n\ndata: x\n: inside\n\n")).toEqual([ev("x")]);
  });

  it("reads event: and id:, resetting them per event; lastEventId persists", () => {
    const decoder = new SseDecoder();
    const events = decoder.push(utf8("event: error\nid: 7\ndata: boom\n\ndata: next\n\nevent:\ndata: e\n\n"));
    expect(events).toEqual([ev("boom", { event: "error", id: "7" }), ev("next"), ev("e")]);
    expect(decoder.lastEventId).toBe("7");
  });

  it("ignores an id containing NUL, and keeps retry: only when it is all digits", () => {
    const decoder = new SseDecoder();
    expect(decoder.push(utf8("id: a\0b\nretry: 1500\ndata: x\n\nretry: 2s\n"))).toEqual([ev("x")]);
    expect(decoder.lastEventId).toBeUndefined();
    expect(decoder.retryMs).toBe(1500);
  });

  it("ignores unknown fields, including `data ` with a space before the colon", () => {
    expect(whole("foo: bar\ndata : nope\nDATA: nope\ndata: yes\n\n")).toEqual([ev("yes")]);
  });

  it("a field without a colon is a name with an empty value", () => {
    expect(whole("data\n\n")).toEqual([ev("")]);
    expect(whole("event\ndata: x\n\n")).toEqual([ev("x")]);
  });

  it("an event with no data line dispatches nothing", () => {
    expect(whole("event: ping\nid: 3\n\n")).toEqual([]);
  });

  it("drops one leading BOM, even split across chunks, and keeps a BOM elsewhere", () => {
    const bytes = utf8("\uFEFFdata: \uFEFFx\n\n");
    expect(whole("\uFEFFdata: \uFEFFx\n\n")).toEqual([ev("\uFEFFx")]);
    expect(run([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)])).toEqual([ev("\uFEFFx")]);
    expect(whole("\uFEFF\uFEFFdata: x\n\n")).toEqual([]); // the second BOM makes the field name unknown
  });

  it("treats \\r at a chunk end and \\n at the next start as ONE line end", () => {
    // Were it two, "data: a" would be dispatched alone, then "b" as a second event.
    expect(run([utf8("data: a\r"), utf8("\ndata: b\r\n\r\n")])).toEqual([ev("a\nb")]);
    // Also with empty chunks between the two halves.
    expect(run([utf8("data: a\r"), utf8(""), new Uint8Array(0), utf8("\ndata: b\n\n")])).toEqual([
      ev("a\nb"),
    ]);
    // A lone \r at a chunk end followed by anything else is a line end by itself.
    expect(run([utf8("data: a\r"), utf8("data: b\r\r")])).toEqual([ev("a\nb")]);
  });

  it("reassembles multi-byte characters split inside their bytes", () => {
    const bytes = utf8("data: é日本😀\n\n");
    for (let i = 6; i < bytes.length - 2; i++) {
      expect(run([bytes.subarray(0, i), bytes.subarray(i)])).toEqual([ev("é日本😀")]);
    }
  });

  it("turns invalid UTF-8 into U+FFFD rather than failing", () => {
    const bytes = new Uint8Array([...utf8("data: a"), 0xff, 0xe6, ...utf8("\n\ndata: b"), 0xe6, 0x97]);
    expect(run([bytes])).toEqual([ev("a\uFFFD\uFFFD"), ev("b\uFFFD", { unterminated: true })]);
  });

  it("handles a burst of many events in one chunk", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `data: ${i}\n\n`).join("");
    expect(whole(text).map((e) => e.data)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it("accepts already-decoded string chunks", () => {
    expect(run(["\uFEFFdata: é\r", "\n", "\r\n"])).toEqual([ev("é")]);
  });
});

describe("SseDecoder.end()", () => {
  it("returns nothing after a cleanly terminated stream", () => {
    expect(whole("data: a\n\n")).toEqual([ev("a")]);
    expect(new SseDecoder().end()).toEqual([]);
  });

  it("flags an event whose blank line never came", () => {
    expect(whole("data: a\n\ndata: b\n")).toEqual([ev("a"), ev("b", { unterminated: true })]);
  });

  it("flags an event torn inside its last line (the torn line still counts)", () => {
    expect(whole('data: a\n\nevent: token\ndata: {"tok')).toEqual([
      ev("a"),
      ev('{"tok', { event: "token", unterminated: true }),
    ]);
    expect(whole("data: a\r")).toEqual([ev("a", { unterminated: true })]);
  });

  it("returns nothing for a torn comment or a torn event without data", () => {
    expect(whole("data: a\n\n: keep-al")).toEqual([ev("a")]);
    expect(whole("data: a\n\nevent: x\nda")).toEqual([ev("a")]);
  });

  it("flushes a multi-byte character cut off by the end as U+FFFD", () => {
    const bytes = utf8("data: 😀");
    expect(run([bytes.subarray(0, bytes.length - 1)])).toEqual([ev("\uFFFD", { unterminated: true })]);
  });

  it("resets the decoder, so it can read another stream (BOM included)", () => {
    const decoder = new SseDecoder();
    expect(run([utf8("id: 1\ndata: a")], decoder)).toEqual([ev("a", { id: "1", unterminated: true })]);
    expect(decoder.lastEventId).toBeUndefined();
    expect(run([utf8("\uFEFFdata: b\n\n")], decoder)).toEqual([ev("b")]);
  });

  it("decodeSse reads a whole captured body", () => {
    expect(decodeSse("data: 1\n\ndata: [DONE]\n\n").map((e) => e.data)).toEqual(["1", "[DONE]"]);
    expect(decodeSse(utf8("data: 1\n\ndata: 2"))).toEqual([ev("1"), ev("2", { unterminated: true })]);
  });
});

describe("SseDecoder re-chunking (property)", () => {
  const rich =
    '\uFEFFdata: {"text":"é"}\r\n\r\n: keep-alive\n' +
    "event: token\rid: 9\rdata:日本\rdata: 😀\r\r" +
    "retry: 10\ndata\ndata : no\nfoo\n\n" +
    'data: {"a":"x"}\r\n\ndata: p\r\ndata: q\r\n\r\ndata: [DONE]\r\n\r\ndata: torn 😀';
  const bytes = utf8(rich);
  const expected = run([bytes]);

  it("the reference interpreter agrees on the rich stream (sanity)", () => {
    expect(expected).toEqual(referenceSse(bytes));
    expect(expected).toEqual([
      ev('{"text":"é"}'),
      ev("日本\n😀", { event: "token", id: "9" }),
      ev(""),
      ev('{"a":"x"}'),
      ev("p\nq"),
      ev("[DONE]"),
      ev("torn 😀", { unterminated: true }),
    ]);
  });

  it("gives the same events when cut at EVERY byte offset", () => {
    for (let i = 0; i <= bytes.length; i++) expect(run(cut(bytes, [i])), `cut at ${i}`).toEqual(expected);
  });

  it("gives the same events when cut at every PAIR of byte offsets", () => {
    const short = utf8("data: é\r\n\r\nevent: 日\rdata:😀\r\r: c\ndata: x");
    const want = run([short]);
    for (let i = 0; i <= short.length; i++) {
      for (let j = i; j <= short.length; j++)
        expect(run(cut(short, [i, j])), `cut at ${i},${j}`).toEqual(want);
    }
  });

  it("gives the same events fed one byte at a time", () => {
    expect(
      run(
        cut(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ),
      ),
    ).toEqual(expected);
  });

  it("matches the spec reference on random streams cut at random points (seeded)", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = prng(seed);
      const stream = utf8(randomSse(random));
      const want = referenceSse(stream);
      expect(run([stream]), `seed ${seed}`).toEqual(want);
      for (let k = 0; k < 5; k++) {
        expect(run(cut(stream, randomOffsets(stream.length, random))), `seed ${seed}/${k}`).toEqual(want);
      }
    }
  });

  it("stays linear on one huge line delivered in tiny chunks", () => {
    const payload = "é".repeat(300_000);
    const big = utf8(`data: ${payload}\n\n`);
    const chunks = Array.from({ length: Math.ceil(big.length / 7) }, (_, i) =>
      big.subarray(i * 7, i * 7 + 7),
    );
    expect(run(chunks)).toEqual([ev(payload)]);
  });
});
