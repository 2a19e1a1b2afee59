import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the bench's texts are plain JavaScript, without types.
import { TEXTS } from "../../bench/texts.mjs";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type HotReader, scanBody } from "../../src/providers/scan-body.js";
import { promptLogprobsReader } from "../../src/providers/scan-prompt-logprobs.js";
import { fixtureText } from "../fixtures/load.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../fuzz/fuzz-settings.js";
import { mutateText, textMutations } from "../fuzz/text-mutations.js";
import { bodyText, expectedScan, HOT_PATHS, scanDifference } from "./scan-reference.js";

const READERS: HotReader[] = HOT_PATHS.map((path) => ({ path, read: promptLogprobsReader }));

/** scanBody with both hot paths, checked against the reference; the scan. */
function scansAsReference(text: string) {
  const scanned = scanBody(text, READERS);
  expect(scanDifference(scanned, expectedScan(text, HOT_PATHS), true), text.slice(0, 200)).toBeUndefined();
  return scanned;
}

describe("scanBody", () => {
  let benchBody = "";

  beforeAll(() => {
    // The bench's body (bench/parse.mjs): prompt_logprobs of top-20 over 4,096 positions.
    const engine = embeddedEngine();
    const ids: number[] = [];
    while (ids.length < 4096)
      for (const text of TEXTS as string[]) ids.push(...engine.tokenizer.encode(text));
    benchBody = completionsResponse(engine, {
      prompt: [engine.tokenizer.bos, ...ids].slice(0, 4096),
      max_tokens: 1,
      prompt_logprobs: 20,
      return_token_ids: true,
    });
  });

  it("reads the bench body (4,096 positions of top-20) as JSON.parse and promptLogprobEntries do", () => {
    const scanned = scansAsReference(benchBody);
    const entries = scanned?.hot.get("choices.0.prompt_logprobs") as {
      length: number;
      id: ArrayLike<number>;
    };
    expect(entries.length).toBe(4096);
    expect(entries.id.length).toBeGreaterThan(4095 * 20);
  });

  it.each([
    "vllm/seed-prompt-logprobs.json",
    "vllm/echo-prompt-logprobs.json",
    "vllm/chat-prompt-logprobs.json",
    "vllm/chat-n2.json",
    "openai/legacy-echo.json",
  ])("reads the recorded body %s", (name) => {
    const text = fixtureText(name);
    scansAsReference(text);
    scansAsReference(JSON.stringify(JSON.parse(text)));
  });

  it("names each hot value by its concrete path, and leaves null in the envelope there", () => {
    const lp = '[null,{"5":{"logprob":-1}}]';
    const text = `{"choices":[{"index":0,"prompt_logprobs":${lp}},{"index":1,"prompt_logprobs":${lp}}],"prompt_logprobs":${lp}}`;
    const scanned = scansAsReference(text);
    expect([...(scanned?.hot.keys() ?? [])]).toEqual([
      "choices.0.prompt_logprobs",
      "choices.1.prompt_logprobs",
      "prompt_logprobs",
    ]);
    expect(scanned?.envelope).toEqual({
      choices: [
        { index: 0, prompt_logprobs: null },
        { index: 1, prompt_logprobs: null },
      ],
      prompt_logprobs: null,
    });
  });

  it.each([
    ["prompt_logprobs null", '{"choices":[{"prompt_logprobs":null}]}'],
    ["prompt_logprobs an object (left to the schema)", '{"choices":[{"prompt_logprobs":{"0":null}}]}'],
    ["choices an object, not an array", '{"choices":{"0":{"prompt_logprobs":[null]}}}'],
    ["no choices", '{"id":"x","usage":null}'],
    ["a scalar body", "42"],
    ["an array body", "[1,2,3]"],
  ])("reads nothing where no array is on a hot path: %s", (_, text) => {
    const scanned = scansAsReference(text);
    expect(scanned?.hot.size).toBe(0);
    expect(scanned?.envelope).toEqual(JSON.parse(text));
  });

  it("finds the structure past strings with quotes, brackets and escapes", () => {
    scansAsReference(
      '{"text":"a\\"[{\\\\","x":["]",{"}":"\\\\\\""}],"choices":[{"t":"\\u005b","prompt_logprobs":[null]}]}',
    );
  });

  it("reads pretty-printed bodies", () => {
    const body = JSON.parse(fixtureText("vllm/seed-prompt-logprobs.json"));
    scansAsReference(JSON.stringify(body, null, 2));
    scansAsReference(JSON.stringify(body, null, "\t").replaceAll("\n", "\r\n"));
  });

  it("reads a hot key written with escapes as the key it spells", () => {
    const scanned = scansAsReference('{"choices":[{"prompt\\u005flogprobs":[null,{"1":{"logprob":-1}}]}]}');
    expect(scanned?.hot.has("choices.0.prompt_logprobs")).toBe(true);
  });

  it.each([
    ["not JSON", "{"],
    ["trailing text", '{"choices":[]} x'],
    ["invalid JSON outside the hot field", '{"choices":[{"prompt_logprobs":[null]}],"x":tru}'],
    [
      "a repeated hot key (JSON.parse keeps the last)",
      '{"choices":[{"prompt_logprobs":[null],"prompt_logprobs":null}]}',
    ],
    ["a repeated key on the hot path", '{"choices":[{"prompt_logprobs":[null]}],"choices":[]}'],
    ["a hot value the reader refuses", '{"choices":[{"prompt_logprobs":[{"1":{"rank":1}}]}]}'],
    ["a bad escape in a key on a hot path", '{"choices":[{"\\x":1,"prompt_logprobs":[null]}]}'],
    ["an empty text", ""],
  ])("refuses %s (the caller then parses the body the usual way)", (_, text) => {
    expect(scanBody(text, READERS)).toBeUndefined();
  });

  it("keeps JSON.parse's meaning for repeated keys off the hot paths", () => {
    const scanned = scansAsReference(
      '{"id":"a","id":"b","choices":[{"index":0,"index":1,"prompt_logprobs":[]}]}',
    );
    expect(scanned?.envelope).toEqual({ id: "b", choices: [{ index: 1, prompt_logprobs: null }] });
  });
});

describe("scanBody on arbitrary bodies", () => {
  it(
    "reads every generated body exactly as the reference, refusing only what acceptsPromptLogprobs refuses",
    () => {
      fc.assert(
        fc.property(bodyText, (text) => {
          const difference = scanDifference(scanBody(text, READERS), expectedScan(text, HOT_PATHS), true);
          expect(difference, text).toBeUndefined();
        }),
        fuzzParameters(1_000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "reads a byte-mutated body exactly as the reference or refuses it: never another value, never a throw",
    () => {
      const decoder = new TextDecoder();
      fc.assert(
        fc.property(bodyText, textMutations, (body, mutations) => {
          const text = decoder.decode(mutateText(body, mutations));
          const difference = scanDifference(scanBody(text, READERS), expectedScan(text, HOT_PATHS), false);
          expect(difference, text).toBeUndefined();
        }),
        fuzzParameters(2_000),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
