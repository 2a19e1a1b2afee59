import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { itemToken } from "../../src/providers/chat-logprob-entries.js";
import { chatLogprobsReader } from "../../src/providers/scan-chat-logprobs.js";
import { fixture } from "../fixtures/load.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../fuzz/fuzz-settings.js";
import {
  chatContentText,
  chatEntriesDifference,
  finiteLogprobs,
  referenceChatEntries,
} from "./chat-scan-reference.js";
import { numberText } from "./scan-reference.js";

/** The reader's entries for a whole text that is one array, checked against the reference; its value. */
function readsAsReference(text: string) {
  const read = chatLogprobsReader(text, 0);
  expect(read, text).toBeDefined();
  expect(read?.end).toBe(text.length);
  const want = referenceChatEntries(JSON.parse(text));
  expect(want, text).toBeDefined();
  if (want) expect(chatEntriesDifference(read?.value, want), text).toBeUndefined();
  return read?.value;
}

const entry = (fields: string) => `[{${fields}}]`;
const item = (fields: string) => entry(`"token":"a","logprob":-1,"top_logprobs":[{${fields}}]`);

describe("chatLogprobsReader reads what JSON.parse and chatLogprobEntries give", () => {
  it.each([
    ["an empty array", "[]"],
    ["an entry without bytes and alternatives", entry('"token":"Hi","logprob":-0.3')],
    [
      "a full entry",
      entry(
        '"token":"Hi","logprob":-0.3,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.3,"bytes":[72,105]}]',
      ),
    ],
    [
      "keys in another order",
      entry('"top_logprobs":[{"bytes":[1],"logprob":-2,"token":"b"}],"bytes":[2],"logprob":-1,"token":"a"'),
    ],
    ["bytes and top_logprobs null", entry('"token":"a","logprob":-1,"bytes":null,"top_logprobs":null')],
    ["bytes []", entry('"token":"","logprob":-9999.0,"bytes":[],"top_logprobs":[]')],
    ["bytes 0 and 255", entry('"token":"a","logprob":-1,"bytes":[0,255,10]')],
    ["logprob null", entry('"token":"a","logprob":null,"top_logprobs":[{"token":"a","logprob":null}]')],
    ["an alternative's logprob null, bytes null", item('"token":"b","logprob":null,"bytes":null')],
    ["-0", entry('"token":"a","logprob":-0')],
    ["exponents", entry('"token":"a","logprob":-2.5e-3,"top_logprobs":[{"token":"b","logprob":-1E+2}]')],
    ["17 significant digits", entry('"token":"a","logprob":-3.0976105494934085')],
    ["a long mantissa", entry('"token":"a","logprob":-0.12345678901234567890123456789')],
    ["escapes", entry('"token":"\\"\\\\\\/\\b\\f\\n\\r\\t","logprob":-1')],
    [
      "\\u sequences and a lone surrogate",
      entry('"token":"\\u00e9\\u00E9\\ud83d\\ude00\\ud800","logprob":-1'),
    ],
    ["unicode text", entry('"token":"é😀 日本","logprob":-1')],
    ["a token longer than 13 code units", entry('"token":"a long token, longer than thirteen","logprob":-1')],
    ["a placeholder token", entry('"token":"token_id:791","logprob":-1,"bytes":[116]')],
    [
      "two positions and a repeated alternative",
      '[{"token":"a","logprob":-1,"top_logprobs":[{"token":"a","logprob":-1},{"token":"a","logprob":-1}]},{"token":"b","logprob":-2,"top_logprobs":[]}]',
    ],
  ])("%s", (_, text) => {
    readsAsReference(text);
  });

  it("keeps each token text once (the same index for the same text)", () => {
    const value = readsAsReference(
      '[{"token":"a","logprob":-1,"top_logprobs":[{"token":"a","logprob":-1},{"token":"b","logprob":-2}]},{"token":"b","logprob":-1}]',
    );
    expect(Array.from(value?.text ?? [])).toEqual([0, 0, 1, 1]);
    expect(value?.texts).toEqual(["a", "b"]);
  });

  it("keeps an entry's item before its alternatives whatever the key order", () => {
    const value = readsAsReference(
      entry('"top_logprobs":[{"token":"b","logprob":-2,"bytes":[98]}],"token":"a","logprob":-1,"bytes":[97]'),
    );
    expect([0, 1].map((at) => value && itemToken(value, at))).toEqual(["a", "b"]);
    expect(Array.from(value?.start ?? [])).toEqual([0, 2]);
  });

  it("keeps null logprobs apart from numbers (flagged), and bytes null apart from []", () => {
    const value = readsAsReference(
      entry('"token":"a","logprob":null,"bytes":[],"top_logprobs":[{"token":"b","logprob":-1,"bytes":null}]'),
    );
    expect(Array.from(value?.nullLogprob ?? [])).toEqual([1, 0]);
    expect(Array.from(value?.bytesStart ?? [])[1]).toBe(-1);
    expect(value?.bytesStart[0]).toBeGreaterThanOrEqual(0);
  });

  it("reads pretty-printed text (JSON whitespace anywhere)", () => {
    const parsed = [
      { token: "a", logprob: -1.5, bytes: [97], top_logprobs: [{ token: "b", logprob: -2, bytes: null }] },
    ];
    readsAsReference(JSON.stringify(parsed, null, 2));
    readsAsReference(JSON.stringify(parsed, null, "\t").replaceAll("\n", "\r\n"));
  });

  it("reads from the middle of a text and ends after the closing bracket", () => {
    const text = '{"content":[{"token":"a","logprob":-1}],"refusal":null}';
    const read = chatLogprobsReader(text, text.indexOf("["));
    expect(read?.end).toBe(text.indexOf("]") + 1);
    expect(read && itemToken(read.value, 0)).toBe("a");
  });

  it("reads the recorded fixtures' content arrays", () => {
    let read = 0;
    for (const name of [
      "openai/chat-logprobs.json",
      "vllm/chat-eos-placeholder.json",
      "vllm/chat-n2.json",
      "vllm/chat-prompt-logprobs.json",
    ]) {
      for (const choice of fixture(name).choices) {
        const content = choice.logprobs?.content;
        if (!Array.isArray(content)) continue;
        for (const text of [JSON.stringify(content), JSON.stringify(content, null, 1)])
          readsAsReference(text);
        read++;
      }
    }
    expect(read).toBeGreaterThanOrEqual(5);
  });
});

describe("chatLogprobsReader refuses what it cannot read exactly (the caller falls back)", () => {
  it.each([
    ["not an array", '{"token":"a"}'],
    ["a null element", "[null]"],
    ["a number element", "[1]"],
    ["a trailing comma", '[{"token":"a","logprob":-1},]'],
    ["unterminated", '[{"token":"a","logprob":-1}'],
    ["a missing colon", entry('"token" "a","logprob":-1')],
    ["no token", entry('"logprob":-1')],
    ["no logprob", entry('"token":"a"')],
    ["an empty entry", entry("")],
    ["token null", entry('"token":null,"logprob":-1')],
    ["token a number", entry('"token":1,"logprob":-1')],
    ["a repeated key (JSON.parse keeps the last)", entry('"token":"a","logprob":-1,"logprob":-2')],
    ["an unknown key", entry('"token":"a","logprob":-1,"text_offset":3')],
    ["an escaped key", entry('"tok\\u0065n":"a","logprob":-1')],
    ["top_logprobs inside an alternative", item('"token":"b","logprob":-1,"top_logprobs":[]')],
    ["an alternative without logprob", item('"token":"b"')],
    ["an alternative that is null", entry('"token":"a","logprob":-1,"top_logprobs":[null]')],
    ["top_logprobs an object", entry('"token":"a","logprob":-1,"top_logprobs":{}')],
    ["logprob a string", entry('"token":"a","logprob":"-1"')],
    ["logprob 1e999 (Infinity)", entry('"token":"a","logprob":1e999')],
    ["logprob NaN", entry('"token":"a","logprob":NaN')],
    ["logprob .5", entry('"token":"a","logprob":.5')],
    ["logprob 01", entry('"token":"a","logprob":01')],
    ["bytes over 255", entry('"token":"a","logprob":-1,"bytes":[256]')],
    ["bytes negative", entry('"token":"a","logprob":-1,"bytes":[-1]')],
    ["bytes 1.0 (left to the fallback)", entry('"token":"a","logprob":-1,"bytes":[1.0]')],
    ["bytes 1e2 (left to the fallback)", entry('"token":"a","logprob":-1,"bytes":[1e2]')],
    ["bytes with a leading zero", entry('"token":"a","logprob":-1,"bytes":[01]')],
    ["bytes a string", entry('"token":"a","logprob":-1,"bytes":"ab"')],
    ["bytes [null]", entry('"token":"a","logprob":-1,"bytes":[null]')],
    ["a raw newline in a token", entry('"token":"a\nb","logprob":-1')],
    ["a bad escape", entry('"token":"\\x41","logprob":-1')],
    ["a short \\u", entry('"token":"\\u12","logprob":-1')],
    ["nul instead of null", entry('"token":"a","logprob":nul')],
  ])("%s", (_, text) => {
    expect(chatLogprobsReader(text, 0)).toBeUndefined();
  });
});

describe("chatLogprobsReader on arbitrary texts", () => {
  /** Reads as the reference, or refuses where it must or may (never another value, never a throw). */
  function check(text: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      expect(chatLogprobsReader(text, 0)).toBeUndefined();
      return;
    }
    const read = chatLogprobsReader(text, 0);
    const want = referenceChatEntries(parsed);
    if (want === undefined) {
      expect(read, text).toBeUndefined();
      return;
    }
    if (read === undefined) {
      // The generators write only what it reads, except non-finite numbers (1e999).
      expect(finiteLogprobs(parsed), `refused ${text}`).toBe(false);
      return;
    }
    expect(read.end).toBe(text.length);
    expect(chatEntriesDifference(read.value, want), text).toBeUndefined();
  }

  it(
    "reads every number literal as JSON.parse does (bit for bit, -0 included)",
    () => {
      fc.assert(
        fc.property(numberText, fc.boolean(), (literal, alternative) =>
          check(
            alternative
              ? item(`"token":"b","logprob":${literal}`)
              : entry(`"token":"a","logprob":${literal}`),
          ),
        ),
        fuzzParameters(2_000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "reads every generated array it accepts, and refuses the rest",
    () => {
      fc.assert(
        fc.property(chatContentText, (text) => check(text)),
        fuzzParameters(1_500),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
