import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsChatTokenLogprobs } from "../../src/providers/accepts-chat-token-logprobs.js";
import {
  type ChatParseOptions,
  chatSequence,
  OPENAI_CHAT_DIALECT,
  parseOpenAIChat,
} from "../../src/providers/openai-chat.js";
import { chatResponseSchema, chatTokenLogprobSchema } from "../../src/providers/openai-chat-schema.js";
import { validate } from "../../src/providers/validate.js";
import { fixture, outcome } from "../fixtures/load.js";

/** The fast path (hand-checked content, refusal and prompt_logprobs) and the zod-only path. */
function bothPaths(body: unknown, options: ChatParseOptions = {}) {
  return {
    fast: outcome(() => parseOpenAIChat(body, options)),
    zod: outcome(() => chatSequence(validate(chatResponseSchema, body, OPENAI_CHAT_DIALECT), options)),
  };
}

const top = (token: string, logprob: number | null, bytes?: number[] | null) => ({ token, logprob, bytes });

/** A composed OpenAI chat body (true top-k, `refusal` key present) with the given content entries. */
function body(content: unknown, refusal: unknown = null) {
  return {
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Hi there" },
        logprobs: { content, refusal },
        finish_reason: "stop",
      },
    ],
  };
}

const entries = () => [
  {
    ...top("Hi", -0.2, [72, 105]),
    top_logprobs: [top("Hi", -0.2, [72, 105]), top("Hello", -1.9, [72, 101, 108, 108, 111])],
  },
  {
    ...top(" there", -9999, [32, 116, 104, 101, 114, 101]),
    top_logprobs: [top("!", -0.1, [33]), top(",", -2.5, [44])],
  },
  {
    ...top("\uFFFD", -3.5, [240, 159]),
    top_logprobs: [top(".", -0.3, [46]), top("\uFFFD", -3.5, [240, 159])],
  },
];

describe("chat logprobs fast path agrees with zod", () => {
  it.each([
    ["openai/chat-logprobs.json", {}],
    ["vllm/chat-eos-placeholder.json", {}],
    ["vllm/chat-n2.json", { choice: 1 }],
    ["vllm/chat-prompt-logprobs.json", {}],
  ])("recorded %s %j: the same rows by both paths, and the hand check engages", (path, options) => {
    const recorded = fixture(path);
    const { fast, zod } = bothPaths(recorded, options);
    expect(fast).toEqual(zod);
    expect(fast).toHaveProperty("ok.rows");
    for (const choice of recorded.choices) {
      if (choice.logprobs?.content) expect(acceptsChatTokenLogprobs(choice.logprobs.content)).toBe(true);
    }
  });

  it("keeps sentinel and censored semantics on the fast path", () => {
    const { fast, zod } = bothPaths(body(entries()));
    expect(fast).toEqual(zod);
    const rows = (fast as { ok: { rows: Record<string, unknown>[] } }).ok.rows;
    expect(rows[0]).toMatchObject({ logprob: -0.2, rank: 1, rankCensored: false, topK: 2 });
    expect(rows[1]).toMatchObject({ logprob: null, rank: null, rankCensored: true, rankBound: 2 });
    expect(rows[2]).toMatchObject({ logprob: -3.5, rank: 2, rankCensored: false });
  });

  const edits: [string, (content: Record<string, any>[]) => unknown][] = [
    ["no bytes", (c) => delete c[0].bytes],
    ["null bytes", (c) => (c[0].bytes = null)],
    ["no top_logprobs", (c) => delete c[1].top_logprobs],
    ["null top_logprobs", (c) => (c[1].top_logprobs = null)],
    ["a null logprob", (c) => (c[0].logprob = null)],
    ["a NaN logprob (a tolerant parser's)", (c) => (c[0].top_logprobs[1].logprob = Number.NaN)],
    ["an infinite logprob", (c) => (c[2].logprob = Number.NEGATIVE_INFINITY)],
    ["a repeated alternative", (c) => c[0].top_logprobs.push({ ...c[0].top_logprobs[1] })],
    [
      "a repeat whose logprob differs only as NaN vs null",
      (c) =>
        c[0].top_logprobs.push(
          top("Hello", null, [72, 101, 108, 108, 111]),
          top("Hello", Number.NaN, [72, 101, 108, 108, 111]),
        ),
    ],
    ["an extra key", (c) => (c[0].top_logprobs[0].extra = 1)],
    ["a byte of 256", (c) => (c[0].bytes = [72, 256])],
    ["a negative byte", (c) => (c[0].top_logprobs[0].bytes = [-1])],
    ["a fractional byte", (c) => (c[0].bytes = [72.5])],
    ["bytes as a string", (c) => (c[0].bytes = "Hi")],
    ["a numeric token", (c) => (c[1].token = 5)],
    ["a missing logprob", (c) => delete c[1].logprob],
    ["a string logprob", (c) => (c[1].top_logprobs[0].logprob = "-0.1")],
    ["top_logprobs as an object", (c) => (c[1].top_logprobs = { 0: top("!", -0.1) })],
    ["a null entry", (c) => (c[1] = null as never)],
    ["a null alternative", (c) => (c[1].top_logprobs[0] = null)],
  ];

  it.each(edits)("a body with %s: same rows or the same ResponseShapeError", (_, edit) => {
    const content = entries();
    edit(content);
    const { fast, zod } = bothPaths(body(content));
    expect(fast).toEqual(zod);
  });

  it("drops a repeated alternative as the JSON of its text, bytes and logprob would (NaN and null alike)", () => {
    const content = entries();
    const hello = [72, 101, 108, 108, 111];
    content[0].top_logprobs.push(
      top("Hello", null, hello),
      top("Hello", Number.NaN, hello),
      top("Hello", -1.9, null),
    );
    const rows = (bothPaths(body(content)).fast as { ok: { rows: Record<string, unknown>[] } }).ok.rows;
    // Hi, Hello -1.9 (its repeat dropped), Hello null (the NaN one dropped), Hello -1.9 without bytes.
    expect(rows[0]?.topK).toBe(4);
  });

  it("checks refusal too, and names the same path for a wrong envelope", () => {
    const refusal = entries().slice(0, 1);
    expect(bothPaths(body(entries(), refusal)).fast).toEqual(bothPaths(body(entries(), refusal)).zod);
    const wrongRefusal = body(entries(), [{ token: 1 }]);
    expect(bothPaths(wrongRefusal).fast).toEqual(bothPaths(wrongRefusal).zod);
    expect(bothPaths(wrongRefusal).fast).toHaveProperty("error.path", "choices.0.logprobs.refusal.0.token");
    const wrongEnvelope = body(entries());
    (wrongEnvelope.choices[0] as Record<string, unknown>).finish_reason = 3;
    expect(bothPaths(wrongEnvelope).fast).toEqual(bothPaths(wrongEnvelope).zod);
    expect(bothPaths(wrongEnvelope).fast).toHaveProperty("error.path", "choices.0.finish_reason");
  });

  it("accepts only what the schema accepts, over arbitrary near-valid values", () => {
    const scalar = fc.oneof(
      fc.constant(null),
      fc.double(),
      fc.integer({ min: -2, max: 300 }),
      fc.string({ maxLength: 2 }),
    );
    const bytes = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.array(scalar, { maxLength: 3 }),
      scalar,
    );
    const alternative = fc.oneof(
      fc.record(
        { token: fc.oneof(fc.string({ maxLength: 2 }), scalar), logprob: scalar, bytes },
        { requiredKeys: ["token", "logprob"] },
      ),
      scalar,
    );
    const entry = fc.record(
      {
        token: fc.oneof(fc.string({ maxLength: 2 }), scalar),
        logprob: scalar,
        bytes,
        top_logprobs: fc.oneof(fc.constant(null), fc.array(alternative, { maxLength: 3 }), scalar),
      },
      { requiredKeys: ["token", "logprob"] },
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 3 }), (content) => {
        const zodAccepts = chatTokenLogprobSchema.array().safeParse(content).success;
        if (acceptsChatTokenLogprobs(content)) expect(zodAccepts).toBe(true);
        const { fast, zod } = bothPaths(body(content));
        expect(fast).toEqual(zod);
      }),
      { numRuns: 300 },
    );
  });
});
