import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenColumns } from "../../src/core/token-columns.js";
import { fromResponse } from "../../src/from-response.js";
import { createOpenAIChatStreamParser, parseOpenAIChat } from "../../src/providers/openai-chat.js";
import { chatChunkSchema } from "../../src/providers/openai-chat-schema.js";
import { validate } from "../../src/providers/validate.js";
import { LogprobResult } from "../../src/result.js";
import { fixture, outcome } from "../fixtures/load.js";
import { ssePayloads } from "../fixtures/sse.js";
import { benchShapedBody, benchShapedContent, body, top, utf8 } from "./chat-bodies.js";
import { chatRowsBefore, parseOpenAIChatBefore } from "./chat-rows-before.js";

// The chat parser builds columns instead of one object per alternative; every body must still give
// exactly the rows and tables of the parser before that change (frozen in chat-rows-before.ts).

type Options = { choice?: number; promptTokenIds?: readonly number[] };

/** Today's parse as the frozen copy reports it (rows, method, model, finish reason), or its error. */
function now(body: unknown, options: Options) {
  return outcome(() => {
    const { rows, method, model, finishReason } = parseOpenAIChat(body, options);
    return { rows, method, model, finishReason };
  });
}

function expectSameRows(body: unknown, options: Options = {}) {
  const before = outcome(() => parseOpenAIChatBefore(body, options));
  expect(now(body, options)).toStrictEqual(before);
  return before as { ok?: { rows: unknown[] } };
}

/** Both tables, the summary and the text of today's `fromResponse` against a result of the old rows. */
function expectSameTables(body: unknown, options: Options = {}) {
  const before = parseOpenAIChatBefore(typeof body === "string" ? JSON.parse(body) : body, options);
  const old = new LogprobResult(before.rows, {
    dialect: "openai-chat",
    model: before.model,
    method: before.method as never,
  });
  const result = fromResponse(body, { ...options, format: "openai-chat" });
  expect(result.tokens.objects()).toStrictEqual(old.tokens.objects());
  expect(result.alternatives.objects()).toStrictEqual(old.alternatives.objects());
  expect(result.summary).toStrictEqual(old.summary);
  expect(result.text).toBe(old.text);
  expect(result.rows).toStrictEqual(old.rows);
}

describe("chat columns: the same rows and tables as the parser before them", () => {
  it.each([
    ["openai/chat-logprobs.json", {}],
    ["vllm/chat-eos-placeholder.json", {}],
    ["vllm/chat-n2.json", { choice: 0 }],
    ["vllm/chat-n2.json", { choice: 1 }],
    ["vllm/chat-n2.json", { choice: 2 }],
    ["vllm/chat-prompt-logprobs.json", {}],
    ["vllm/chat-prompt-logprobs.json", { promptTokenIds: [1, 2, 3] }],
  ])("recorded %s %j", (path, options: Options) => {
    const recorded = fixture(path);
    const before = expectSameRows(recorded, options);
    if (before.ok) {
      expect(before.ok.rows.length).toBeGreaterThan(0);
      expectSameTables(recorded, options);
    }
  });

  it("a body shaped like the bench's (top-20, ties, censored, -9999), as an object and as JSON text", () => {
    const shaped = benchShapedBody(300, 7);
    const before = expectSameRows(shaped);
    expect(before.ok?.rows).toHaveLength(300);
    expectSameTables(shaped);
    expectSameTables(JSON.stringify(shaped));
  });

  it("hands LogprobResult columns, not rows: one column entry per listed alternative, repeats dropped", () => {
    const content = benchShapedContent(50, 3);
    const tops = content[0]?.top_logprobs ?? [];
    tops.push({ ...(tops[4] as (typeof tops)[number]) });
    const { columns } = parseOpenAIChat(body({ content, refusal: null }));
    expect(columns).toBeInstanceOf(TokenColumns);
    expect(columns?.alternatives.token).toHaveLength(50 * 20);
    expect(columns?.alternatives.start[1]).toBe(20);
    expect(columns?.positions[0]).not.toHaveProperty("alternatives");
  });

  it.each(["openai/chat-stream.sse", "openai/chat-stream-hello.sse", "vllm/chat-stream-n2.sse"])(
    "streamed %s: each chunk's rows as before",
    (path) => {
      for (const choice of [0, 1]) {
        const parser = createOpenAIChatStreamParser({ choice });
        let seen = 0;
        for (const payload of ssePayloads(path)) {
          const chunk = validate(chatChunkSchema, payload, "openai-chat");
          const c = chunk.choices.find((x) => x.index === choice);
          const expected = c ? chatRowsBefore(c.logprobs, seen, c.token_ids) : [];
          expect(parser.push(payload)).toStrictEqual(expected);
          seen += expected.length;
        }
      }
    },
  );

  const hello = utf8("Hello");
  const cases: [string, unknown][] = [
    [
      "repeated alternatives (same text, bytes and logprob; NaN and null alike; same text other bytes)",
      body({
        content: [
          {
            ...top("Hi", -0.2, utf8("Hi")),
            top_logprobs: [
              top("Hi", -0.2, utf8("Hi")),
              top("Hello", -1.9, hello),
              top("Hello", -1.9, hello),
              top("Hello", null, hello),
              top("Hello", Number.NaN, hello),
              top("Hello", -1.9, null),
              top("Hello", -1.9),
              top("\uFFFD", -7, [240]),
              top("\uFFFD", -7, [159]),
            ],
          },
        ],
        refusal: null,
      }),
    ],
    [
      "token_id:N placeholders, repeated by id, mixed with text tokens",
      body({
        content: [
          {
            ...top("token_id:9906", -0.2, utf8("token_id:9906")),
            top_logprobs: [
              top("token_id:9906", -0.2, utf8("token_id:9906")),
              top("token_id:13347", -1.9, utf8("token_id:13347")),
              top("token_id:13347", -2.5),
              top("Hi", -3),
            ],
          },
          { ...top("token_id:0", -3.2), top_logprobs: [top("token_id:0", -3.2), top("token_id:11", -0.3)] },
          { ...top("token_id:99999999999999999999", -1), top_logprobs: [top("token_id:5", -0.1)] },
        ],
      }),
    ],
    [
      "-9999, NaN, ±Infinity, null and tiny positive logprobs",
      body({
        content: [
          { ...top("a", -9999, [97]), top_logprobs: [top("b", -0.1, [98]), top("c", -9999, [99])] },
          { ...top("a", Number.NaN, [97]), top_logprobs: [top("a", Number.NaN, [97]), top("b", -1, [98])] },
          { ...top("a", 1e-7, [97]), top_logprobs: [top("a", 1e-7, [97]), top("b", 0.5, [98])] },
          {
            ...top("a", Number.NEGATIVE_INFINITY),
            top_logprobs: [top("a", Number.POSITIVE_INFINITY), top("b", null)],
          },
          { ...top("b", null, [98]), top_logprobs: [top("a", null), top("b", null, [98])] },
        ],
        refusal: null,
      }),
    ],
    [
      "a refusal after content",
      body({
        content: [{ ...top("I", -0.1, [73]), top_logprobs: [top("I", -0.1, [73]), top("Sure", -2.4)] }],
        refusal: [
          { ...top(" can't", -0.3, utf8(" can't")), top_logprobs: [top(" can't", -0.3)] },
          { ...top(" help", -9999), top_logprobs: [top(" do", -0.2), top(" assist", -1.1)] },
        ],
      }),
    ],
    [
      "vLLM sampled-first lists (no refusal key), sampled token least likely, certain, or repeated",
      body(
        {
          content: [
            { ...top("!", -3.2, [33]), top_logprobs: [top("!", -3.2, [33]), top(",", -0.3), top(".", -1.8)] },
            { ...top("}", 0, [125]), top_logprobs: [top("}", 0, [125])] },
            { ...top("x", -1, [120]), top_logprobs: [top("x", -1, [120])] },
            { ...top("x", -0.01, [120]), top_logprobs: [top("x", -0.01, [120]), top("y", -5)] },
            {
              ...top("z", -2, [122]),
              top_logprobs: [top("z", -2, [122]), top("z", -0.5, [122]), top("w", -1)],
            },
            { ...top("q", -0.7, [113]), top_logprobs: [top("r", -0.2), top("q", -0.7, [113])] },
          ],
        },
        [0, 125, 87, 87, 89, 90],
      ),
    ],
    [
      "vLLM's EOS placeholder, special tokens, token_ids of the wrong length",
      body(
        {
          content: [
            { ...top("{", -0.1, [123]), top_logprobs: [top("{", -0.1, [123]), top("[", -2.4)] },
            { ...top("<|eot_id|>", -0.01), top_logprobs: [top("<|eot_id|>", -0.01)] },
            { token: "", logprob: -9999.0, bytes: [], top_logprobs: [] },
          ],
        },
        [90, 91],
      ),
    ],
    [
      "ties, unsorted alternatives and unknown ones in the middle",
      body({
        content: [
          {
            ...top("b", -1, [98]),
            top_logprobs: [top("c", -2), top("a", -1), top("x", null), top("b", -1, [98]), top("d", -0.5)],
          },
          { ...top("e", -2, [101]), top_logprobs: [top("f", -2), top("e", -2, [101]), top("g", -2)] },
        ],
      }),
    ],
    ["logprobs null", body(null)],
    ["content null, no refusal", body({ content: null })],
    ["empty content and empty top_logprobs", body({ content: [{ ...top("a", -1), top_logprobs: [] }] })],
  ];

  it.each(cases)("hand case: %s", (_, composed) => {
    expectSameRows(composed);
    expectSameTables(composed);
  });

  it("arbitrary small bodies (collisions forced by a tiny vocabulary) parse as before", () => {
    const token = fc.constantFrom("a", "b", "", "token_id:3", "token_id:4", "<|eot_id|>", "\uFFFD");
    const logprob = fc.constantFrom(
      null,
      -9999,
      -10000,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      0,
      -0,
      1e-7,
      1e-6,
      2e-6,
      0.5,
      -0.1,
      -1,
      -2,
    );
    const bytes = fc.constantFrom(undefined, null, [97], [98], [239, 191, 189], []);
    const alternative = fc.record({ token, logprob, bytes }, { requiredKeys: ["token", "logprob"] });
    const entry = fc.record(
      {
        token,
        logprob,
        bytes,
        top_logprobs: fc.oneof(fc.constant(null), fc.array(alternative, { maxLength: 6 })),
      },
      { requiredKeys: ["token", "logprob"] },
    );
    const logprobs = fc.record(
      {
        content: fc.oneof(fc.constant(null), fc.array(entry, { maxLength: 4 })),
        refusal: fc.oneof(fc.constant(null), fc.array(entry, { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    const tokenIds = fc.option(fc.array(fc.nat(20), { maxLength: 6 }), { nil: undefined });
    let parsed = 0;
    fc.assert(
      fc.property(logprobs, tokenIds, (lp, ids) => {
        const composed = body(lp, ids);
        if (!expectSameRows(composed).ok) return;
        parsed++;
        expectSameTables(composed);
      }),
      { numRuns: 300 },
    );
    // The generator makes valid bodies: the comparison is of rows, not of two errors.
    expect(parsed).toBeGreaterThan(250);
  });
});
