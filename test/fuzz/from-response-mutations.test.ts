import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FromResponseOptions, fromResponse } from "../../src/from-response.js";
import { DIALECTS } from "../../src/providers/dialects.js";
import type { Dialect } from "../../src/providers/parsed-sequence.js";
import { fixture, fixtureText } from "../fixtures/load.js";
import { CASES_PER_PARSER, FUZZ_TIMEOUT_MS, fuzzParameters } from "./fuzz-settings.js";
import { checkResult, resultOrTypedError } from "./invariants.js";
import { deepFreeze, jsonMutations, mutateJson } from "./json-mutations.js";
import { ndjsonFraming, STREAMS, sseFraming, writeNdjson, writeSse } from "./streams.js";
import { mutateText, textMutations } from "./text-mutations.js";

// Property (b) of issue 7 through the public entry point: `fromResponse` on a mutated body — a
// parsed JSON value, its JSON text, a captured SSE or NDJSON stream — returns a result whose numbers
// keep their invariants, or throws a typed LogprobLabError; never a crash.

/** Every JSON body fixture, with the dialect it is. */
const BODIES: [Dialect, string][] = [
  ["vllm-completions", "vllm/seed-prompt-logprobs.json"],
  ["vllm-completions", "vllm/echo-prompt-logprobs.json"],
  ["vllm-completions", "openai/legacy-echo.json"],
  ["openai-chat", "openai/chat-logprobs.json"],
  ["openai-chat", "vllm/chat-n2.json"],
  ["openai-chat", "vllm/chat-prompt-logprobs.json"],
  ["openai-chat", "vllm/chat-eos-placeholder.json"],
  ["tgi", "tgi/generate-stream.json"],
  ["tgi", "tgi/generate-bloom-prefill.json"],
  ["tgi", "tgi/generate-prefix-cached.json"],
  ["devup", "tgi/devup-details.json"],
  ["llamacpp", "llamacpp/completion.json"],
  ["llamacpp", "llamacpp/completion-legacy.json"],
  ["llamacpp", "llamacpp/completion-partial-utf8.json"],
  ["llamacpp", "llamacpp/completion-post-sampling.json"],
  ["ollama", "ollama/generate.json"],
  ["ollama", "ollama/chat.json"],
  ["ollama", "ollama/generate-emoji.json"],
];

/** Single stream events handed over as bodies (fromResponse reads them as a stream that stopped). */
const EVENTS: [Dialect, unknown][] = [
  ["openai-chat", STREAMS["openai-chat"][0].payloads[1]],
  ["tgi", STREAMS.tgi[0].payloads[0]],
  ["devup", STREAMS.devup[0].payloads[2]],
];

const parsedBodies = [
  ...BODIES.map(([dialect, path]) => ({ dialect, body: fixture(`./${path}`) as unknown })),
  ...EVENTS.map(([dialect, body]) => ({ dialect, body })),
].map(({ dialect, body }) => ({ dialect, body: deepFreeze(structuredClone(body)) }));
const bodyTexts = [
  ...BODIES.map(([dialect, path]) => ({ dialect, text: fixtureText(`./${path}`) })),
  ...EVENTS.map(([dialect, body]) => ({ dialect, text: JSON.stringify(body) })),
];

/**
 * What a caller may pass along: nothing, the dialect (right or wrong), a prompt (the right one or
 * any text: it repairs token text against it), a choice (present, absent or nonsense).
 */
const options = (dialect: Dialect): fc.Arbitrary<FromResponseOptions> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    fc.constant({ format: dialect }),
    fc.constantFrom(...(Object.keys(DIALECTS) as Dialect[])).map((format) => ({ format })),
    fc.constantFrom("Hello world", "The capital of France is", "Pour déguster").map((prompt) => ({ prompt })),
    fc.string({ unit: "binary", maxLength: 12 }).map((prompt) => ({ prompt })),
    fc.integer({ min: -2, max: 3 }).map((choice) => ({ choice })),
  );

/** Changes to a stream's sequence of events: one dropped, repeated, or swapped with the next. */
const eventMutations = fc.array(
  fc.record({ op: fc.constantFrom("drop" as const, "repeat" as const, "swap" as const), at: fc.nat() }),
  { minLength: 1, maxLength: 3 },
);

function mutateEvents(
  events: readonly unknown[],
  changes: readonly { op: "drop" | "repeat" | "swap"; at: number }[],
): unknown[] {
  const out = [...events];
  for (const { op, at } of changes) {
    if (out.length === 0) break;
    const i = at % out.length;
    if (op === "drop") out.splice(i, 1);
    else if (op === "repeat") out.splice(i, 0, out[i]);
    else if (out.length > 1) [out[i], out[(i + 1) % out.length]] = [out[(i + 1) % out.length], out[i]];
  }
  return out;
}

/**
 * One case in 64 also builds the arquero tokens table and checks its columns: a table costs more
 * than ten parses, and its logprob / prob / surprisal columns derive from the rows checked every time.
 */
const withTable = fc.nat(63).map((n) => n === 0);

function check(parse: () => ReturnType<typeof fromResponse>, table: boolean): boolean {
  const out = resultOrTypedError(parse);
  if (out instanceof Error) return false;
  checkResult(out, { table });
  return true;
}

describe("fromResponse on a mutated body gives a result or a typed error", {
  timeout: FUZZ_TIMEOUT_MS,
}, () => {
  it("a parsed JSON body, mutated structurally", () => {
    let results = 0;
    fc.assert(
      fc.property(
        fc
          .nat(parsedBodies.length - 1)
          .chain((i) => fc.tuple(fc.constant(i), options(parsedBodies[i].dialect))),
        jsonMutations,
        withTable,
        ([i, opts], mutations, table) => {
          if (check(() => fromResponse(mutateJson(parsedBodies[i].body, mutations), opts), table)) results++;
        },
      ),
      fuzzParameters(CASES_PER_PARSER),
    );
    expect(results).toBeGreaterThan(CASES_PER_PARSER / 20);
  });

  it("JSON text, mutated byte by byte (truncated, flipped, inserted, numbers as NaN / Infinity / 1e999)", () => {
    let results = 0;
    fc.assert(
      fc.property(
        fc.nat(bodyTexts.length - 1).chain((i) => fc.tuple(fc.constant(i), options(bodyTexts[i].dialect))),
        textMutations,
        fc.boolean(),
        withTable,
        ([i, opts], mutations, asString, table) => {
          const bytes = mutateText(bodyTexts[i].text, mutations);
          const input = asString ? new TextDecoder().decode(bytes) : bytes;
          if (check(() => fromResponse(input, opts), table)) results++;
        },
      ),
      fuzzParameters(CASES_PER_PARSER),
    );
    expect(results).toBeGreaterThan(CASES_PER_PARSER / 20);
  });

  for (const framing of ["sse", "ndjson"] as const) {
    it(`a captured ${framing.toUpperCase()} stream, its events dropped, repeated or swapped, mutated structurally, and its text byte by byte`, () => {
      const cases = Object.values(STREAMS)
        .flat()
        .filter((c) => DIALECTS[c.dialect].framing === framing);
      const frame = framing === "sse" ? sseFraming : ndjsonFraming;
      let results = 0;
      fc.assert(
        fc.property(
          fc.nat(cases.length - 1).chain((i) => fc.tuple(fc.constant(i), options(cases[i].dialect))),
          frame,
          fc.nat(),
          fc.option(eventMutations, { nil: undefined }),
          fc.option(jsonMutations, { nil: undefined }),
          fc.option(textMutations, { nil: undefined }),
          withTable,
          ([i, opts], f, event, reorder, structural, bytewise, table) => {
            const payloads = reorder ? mutateEvents(cases[i].payloads, reorder) : [...cases[i].payloads];
            if (structural && payloads.length > 0) {
              const at = event % payloads.length;
              // The stream is written with JSON.stringify, which cannot print deeper (textMutations go deeper).
              const printable = structural.map((m) =>
                m.op === "nest" ? { ...m, depth: Math.min(m.depth, 1_000) } : m,
              );
              payloads[at] = mutateJson(payloads[at], printable);
            }
            const text =
              framing === "sse"
                ? writeSse(payloads, f as Parameters<typeof writeSse>[1])
                : writeNdjson(payloads, f as Parameters<typeof writeNdjson>[1]);
            const input = bytewise ? mutateText(text, bytewise) : text;
            if (check(() => fromResponse(input, opts), table)) results++;
          },
        ),
        fuzzParameters(CASES_PER_PARSER),
      );
      expect(results).toBeGreaterThan(CASES_PER_PARSER / 20);
    });
  }
});
