import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsPromptLogprobs } from "../../src/providers/accepts-prompt-logprobs.js";
import { promptLogprobsReader } from "../../src/providers/scan-prompt-logprobs.js";
import { fixture } from "../fixtures/load.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../fuzz/fuzz-settings.js";
import { entriesDifference, numberText, promptLogprobsText, referenceEntries } from "./scan-reference.js";

/** The reader's entries for a whole text that is one array, checked against the reference; its value. */
function readsAsReference(text: string) {
  const read = promptLogprobsReader(text, 0);
  expect(read, text).toBeDefined();
  expect(read?.end).toBe(text.length);
  expect(entriesDifference(read?.value, referenceEntries(JSON.parse(text))), text).toBeUndefined();
  return read?.value;
}

const entry = (fields: string) => `[null,{"791":{${fields}}}]`;

describe("promptLogprobsReader reads what JSON.parse and promptLogprobEntries give", () => {
  it.each([
    ["an empty array", "[]"],
    ["null dicts only", "[null,null]"],
    ["empty dicts", "[null,{},{}]"],
    ["a full entry", entry('"logprob":-2.4,"rank":1,"decoded_token":"The"')],
    ["fields in another order", entry('"decoded_token":"The","rank":1,"logprob":-2.4')],
    ["rank and decoded_token null", entry('"logprob":-2.4,"rank":null,"decoded_token":null')],
    ["rank and decoded_token absent", entry('"logprob":-2.4')],
    ["logprob null", entry('"logprob":null,"rank":2')],
    ["rank written 1.0 and 1e2", '[{"1":{"logprob":-1,"rank":1.0},"2":{"logprob":-2,"rank":1e2}}]'],
    ["exponents", entry('"logprob":-2.5e-3,"rank":3E0')],
    ["-0", entry('"logprob":-0')],
    ["-0.0", entry('"logprob":-0.0')],
    ["17 significant digits", entry('"logprob":-3.0976105494934085')],
    ["a long mantissa", entry('"logprob":-0.12345678901234567890123456789')],
    ["-9999 (unknown)", entry('"logprob":-9999,"rank":null')],
    ["below -9999", entry('"logprob":-10000.5')],
    ["a tiny positive logprob (rounding: 0)", entry('"logprob":1e-7')],
    ["a positive logprob (not one: NaN)", entry('"logprob":0.5')],
    ["escapes", entry('"logprob":-1,"decoded_token":"\\"\\\\\\/\\b\\f\\n\\r\\t"')],
    ["\\u sequences", entry('"logprob":-1,"decoded_token":"\\u00e9\\u00E9\\ud83d\\ude00"')],
    ["a lone surrogate escape", entry('"logprob":-1,"decoded_token":"\\ud800"')],
    ["unicode text", entry('"logprob":-1,"decoded_token":"é😀 日本"')],
    ["ids 0 and 2^31 - 1", '[{"0":{"logprob":-1},"2147483647":{"logprob":-2}}]'],
    [
      "ids out of order",
      '[{"900":{"logprob":-1},"5":{"logprob":-2},"77":{"logprob":-3},"6":{"logprob":-4}}]',
    ],
  ])("%s", (_, text) => {
    readsAsReference(text);
  });

  it("orders a dict's entries as alternatives, ties in the ids' key order (ascending, as JavaScript enumerates)", () => {
    const value = readsAsReference(
      '[{"30":{"logprob":-2,"rank":2},"4":{"logprob":-1,"rank":1},"9":{"logprob":-3,"rank":3},"7":{"logprob":-3,"rank":3}}]',
    );
    expect(Array.from(value?.id ?? [])).toEqual([4, 30, 7, 9]);
    expect(Array.from(value?.rank ?? [])).toEqual([1, 2, 3, 3]);
  });

  it("reads pretty-printed text (JSON whitespace anywhere)", () => {
    const parsed = [null, { "9": { logprob: -1.5, rank: 2, decoded_token: "a" }, "3": { logprob: -0.25 } }];
    readsAsReference(JSON.stringify(parsed, null, 2));
    readsAsReference(JSON.stringify(parsed, null, "\t").replaceAll("\n", "\r\n"));
    readsAsReference(' [ null , { "3" : { "logprob" : -1 , "rank" : 2 } } ] '.trim());
  });

  it("gives each decoded token once per id and text, and a new one when the text differs", () => {
    const value = readsAsReference(
      '[{"7":{"logprob":-1,"decoded_token":"ab"}},{"7":{"logprob":-2,"decoded_token":"ab"}},{"7":{"logprob":-3,"decoded_token":"ac"}}]',
    );
    expect(value?.decoded).toEqual(["ab", "ab", "ac"]);
    const escaped = readsAsReference(
      '[{"8":{"logprob":-1,"decoded_token":"a\\nb"}},{"8":{"logprob":-2,"decoded_token":"a\\nb"}},{"8":{"logprob":-3,"decoded_token":"ab"}}]',
    );
    expect(escaped?.decoded).toEqual(["a\nb", "a\nb", "ab"]);
  });

  it("keeps an earlier scan's texts when a later one gives an id another text", () => {
    const first = readsAsReference('[{"5":{"logprob":-1,"decoded_token":"cat"}}]');
    readsAsReference('[{"5":{"logprob":-1,"decoded_token":"dog"}}]');
    const third = readsAsReference('[{"5":{"logprob":-1,"decoded_token":"dog"}}]');
    expect(first?.decoded).toEqual(["cat"]);
    expect(third?.decoded).toEqual(["dog"]);
  });

  it("reads from the middle of a text and ends after the closing bracket", () => {
    const text = '{"prompt_logprobs":[null,{"5":{"logprob":-1}}],"x":1}';
    const at = text.indexOf("[");
    const read = promptLogprobsReader(text, at);
    expect(read?.end).toBe(text.indexOf("]") + 1);
    expect(
      entriesDifference(read?.value, referenceEntries([null, { "5": { logprob: -1 } }])),
    ).toBeUndefined();
  });

  it("reads the recorded fixtures", () => {
    for (const [name, at] of [
      ["vllm/seed-prompt-logprobs.json", (b: any) => b.choices[0].prompt_logprobs],
      ["vllm/echo-prompt-logprobs.json", (b: any) => b.choices[0].prompt_logprobs],
      ["vllm/chat-prompt-logprobs.json", (b: any) => b.prompt_logprobs],
    ] as const) {
      const value = at(fixture(name));
      expect(value.length, name).toBeGreaterThan(1);
      for (const text of [JSON.stringify(value), JSON.stringify(value, null, 1)]) readsAsReference(text);
    }
  });
});

describe("promptLogprobsReader refuses what it cannot read exactly (the caller falls back)", () => {
  it.each([
    ["not an array", '{"0":null}'],
    ["a number element", "[1]"],
    ["an array element", "[[]]"],
    ["a string element", '["x"]'],
    ["a trailing comma", "[null,]"],
    ["unterminated", '[null,{"1":{"logprob":-1}'],
    ["a missing colon", '[{"1" {"logprob":-1}}]'],
    ["a repeated id (JSON.parse keeps the last)", '[{"1":{"logprob":-1},"1":{"logprob":-2}}]'],
    ["a repeated id out of order", '[{"3":{"logprob":-1},"1":{"logprob":-1},"3":{"logprob":-2}}]'],
    ["a leading zero key", '[{"01":{"logprob":-1}}]'],
    ["a negative key", '[{"-1":{"logprob":-1}}]'],
    ["a decimal key", '[{"1.0":{"logprob":-1}}]'],
    ["a key of 2^31", '[{"2147483648":{"logprob":-1}}]'],
    ["an escaped key", '[{"\\u0031":{"logprob":-1}}]'],
    ["an empty key", '[{"":{"logprob":-1}}]'],
    ["a __proto__ key", '[{"__proto__":{"logprob":-1}}]'],
    ["an entry that is null", '[{"1":null}]'],
    ["an entry that is an array", '[{"1":[]}]'],
    ["an entry without logprob", entry('"rank":1')],
    ["an empty entry", entry("")],
    ["an unknown field", entry('"logprob":-1,"token":"a"')],
    ["an escaped field name", entry('"log\\u0070rob":-1')],
    ["a repeated field", entry('"logprob":-1,"logprob":-2')],
    ["logprob a string", entry('"logprob":"-1"')],
    ["logprob true", entry('"logprob":true')],
    ["logprob 1e999 (Infinity)", entry('"logprob":1e999')],
    ["logprob NaN", entry('"logprob":NaN')],
    ["logprob with a plus", entry('"logprob":+1')],
    ["logprob .5", entry('"logprob":.5')],
    ["logprob 1.", entry('"logprob":1.')],
    ["logprob 01", entry('"logprob":01')],
    ["logprob -", entry('"logprob":-')],
    ["logprob 1e", entry('"logprob":1e')],
    ["rank 0", entry('"logprob":-1,"rank":0')],
    ["rank -1", entry('"logprob":-1,"rank":-1')],
    ["rank 2.5", entry('"logprob":-1,"rank":2.5')],
    ["rank beyond 2^53", entry('"logprob":-1,"rank":9007199254740993')],
    ["rank a string", entry('"logprob":-1,"rank":"1"')],
    ["decoded_token a number", entry('"logprob":-1,"decoded_token":1')],
    ["decoded_token with a raw newline", entry('"logprob":-1,"decoded_token":"a\nb"')],
    ["decoded_token with a bad escape", entry('"logprob":-1,"decoded_token":"\\x41"')],
    ["decoded_token with a short \\u", entry('"logprob":-1,"decoded_token":"\\u12"')],
    ["decoded_token unterminated", entry('"logprob":-1,"decoded_token":"ab')],
    ["nul instead of null", entry('"logprob":nul')],
  ])("%s", (_, text) => {
    expect(promptLogprobsReader(text, 0)).toBeUndefined();
  });
});

describe("promptLogprobsReader on arbitrary texts", () => {
  /** Reads as the reference, or refuses where the reference refuses (never another value, never a throw). */
  function check(text: string, mustRead: boolean) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      expect(promptLogprobsReader(text, 0)).toBeUndefined();
      return;
    }
    const read = promptLogprobsReader(text, 0);
    if (!acceptsPromptLogprobs(parsed)) {
      expect(read, text).toBeUndefined();
      return;
    }
    if (read === undefined) {
      expect(mustRead, `refused ${text}`).toBe(false);
      return;
    }
    expect(read.end).toBe(text.length);
    expect(entriesDifference(read.value, referenceEntries(parsed)), text).toBeUndefined();
  }

  it(
    "reads every number literal as JSON.parse does (bit for bit, -0 and NaN included)",
    () => {
      fc.assert(
        fc.property(numberText, fc.boolean(), (literal, asRank) =>
          check(asRank ? entry(`"logprob":-1,"rank":${literal}`) : entry(`"logprob":${literal}`), true),
        ),
        fuzzParameters(3_000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "reads every generated array it accepts, and refuses the rest",
    () => {
      fc.assert(
        fc.property(promptLogprobsText, (text) => check(text, true)),
        fuzzParameters(1_500),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
