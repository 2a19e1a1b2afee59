import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsCompletionEnvelope } from "../../src/providers/accepts-completion-envelope.js";
import { completionResponseSchema } from "../../src/providers/vllm-schema.js";
import { fixture } from "../fixtures/load.js";
import { fuzzParameters } from "../fuzz/fuzz-settings.js";

// JSON values of every kind a field might hold, well-formed or not.
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.array(fc.integer({ min: -2, max: 200_000 }), { maxLength: 3 }),
  fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string()), { maxLength: 2 }),
  fc.constant({}),
);
/** A field that mostly holds what the schema wants there (so that envelopes pass often), else anything. */
const field = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: good, weight: 15 }, { arbitrary: anyValue, weight: 1 });
const text = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 4 }));
const integer = fc.integer({ min: 0, max: 200_000 });
const ids = fc.oneof(fc.constant(null), fc.array(integer, { maxLength: 3 }));
const choice = fc.record(
  {
    index: field(integer),
    text: field(text),
    logprobs: field(fc.constant(null)),
    finish_reason: field(text),
    stop_reason: field(fc.oneof(text, integer)),
    prompt_logprobs: field(fc.constant(null)),
    prompt_token_ids: field(ids),
    token_ids: field(ids),
    kv_transfer_params: anyValue,
  },
  { requiredKeys: ["index"] },
);
const usage = fc.record(
  {
    prompt_tokens: field(integer),
    completion_tokens: field(fc.oneof(fc.constant(null), integer)),
    total_tokens: field(integer),
  },
  { requiredKeys: ["prompt_tokens", "total_tokens"] },
);
const name = field(fc.oneof(fc.constant(undefined), fc.string({ maxLength: 4 })));
const envelope = fc.record(
  {
    id: name,
    object: name,
    created: field(fc.oneof(fc.constant(undefined), integer)),
    model: name,
    choices: field(fc.array(choice, { minLength: 1, maxLength: 2 })),
    usage: field(fc.oneof(fc.constant(null), usage)),
    system_fingerprint: anyValue,
  },
  { requiredKeys: ["choices"] },
);

/** A scoring answer's envelope as the scanner leaves it: `prompt_logprobs` cut to null. */
const scoringEnvelope = () => ({
  id: "cmpl-1",
  object: "text_completion",
  created: 1796594876,
  model: "logprob-lab-embedded",
  choices: [
    {
      index: 0,
      text: ",",
      logprobs: null,
      finish_reason: "length",
      stop_reason: null,
      prompt_logprobs: null,
      prompt_token_ids: [128000, 28070, 5573],
      token_ids: [11],
    },
  ],
  usage: { prompt_tokens: 3, total_tokens: 4, completion_tokens: 1 },
});

describe("acceptsCompletionEnvelope", () => {
  it("accepts only what completionResponseSchema accepts (generated envelopes, many accepted)", () => {
    let accepted = 0;
    fc.assert(
      fc.property(envelope, (body) => {
        if (!acceptsCompletionEnvelope(body)) return;
        accepted++;
        expect(completionResponseSchema.safeParse(body).success).toBe(true);
      }),
      fuzzParameters(3_000),
    );
    // The property says something only about the envelopes the check accepts.
    expect(accepted).toBeGreaterThan(100);
  });

  it("accepts a scoring answer's envelope, and recorded ones without a legacy logprobs object", () => {
    expect(acceptsCompletionEnvelope(scoringEnvelope())).toBe(true);
    const recorded = fixture("vllm/seed-prompt-logprobs.json");
    const cut = {
      ...recorded,
      choices: recorded.choices.map((c: object) => ({ ...c, prompt_logprobs: null })),
    };
    expect(acceptsCompletionEnvelope(cut)).toBe(true);
  });

  it.each([
    ["a null id", (b: any) => (b.id = null)],
    ["a string created", (b: any) => (b.created = "1")],
    ["no choices", (b: any) => (b.choices = [])],
    ["a fractional index", (b: any) => (b.choices[0].index = 0.5)],
    ["a token id that is no integer", (b: any) => (b.choices[0].prompt_token_ids = [1, "2"])],
    ["a usage without total_tokens", (b: any) => delete b.usage.total_tokens],
    ["a boolean stop_reason", (b: any) => (b.choices[0].stop_reason = true)],
  ])("refuses %s, which the schema refuses too", (_, spoil) => {
    const body = scoringEnvelope();
    spoil(body);
    expect(acceptsCompletionEnvelope(body)).toBe(false);
    expect(completionResponseSchema.safeParse(body).success).toBe(false);
  });

  it.each([
    ["a legacy logprobs object", (b: any) => (b.choices[0].logprobs = { tokens: [], token_logprobs: [] })],
    ["a prompt_logprobs array", (b: any) => (b.choices[0].prompt_logprobs = [null])],
  ])("leaves %s to the schema", (_, change) => {
    const body = scoringEnvelope();
    change(body);
    expect(acceptsCompletionEnvelope(body)).toBe(false);
    expect(completionResponseSchema.safeParse(body).success).toBe(true);
  });
});
