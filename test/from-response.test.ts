import { describe, expect, it } from "vitest";
import { HttpStatusError, ResponseShapeError, UsageError } from "../src/errors.js";
import { fromResponse } from "../src/from-response.js";
import { fixture, fixtureText } from "./fixtures/load.js";

describe("fromResponse", () => {
  it("reads a vLLM completions body from an object or its JSON text alike", () => {
    const a = fromResponse(fixture("vllm/seed-prompt-logprobs.json"));
    const b = fromResponse(fixtureText("vllm/seed-prompt-logprobs.json"));
    expect(a.tokens.objects()).toEqual(b.tokens.objects());
    expect(a.text).toBe("The capital of France is");
    expect(a.model).toBe("llama-8b");
    expect(a.summary.tokenCount).toBe(5);
    expect(a.summary.totalLogprob).toBeCloseTo(-3.5 - 9.25 - 0.4 - 4.5 - 0.9, 12);
  });

  it("uses the prompt to find actual tokens when the body has no ids", () => {
    const r = fromResponse(fixture("vllm/echo-prompt-logprobs.json"), { prompt: "Hello world" });
    expect(r.method).toBe("decoded_token");
    expect(r.text).toBe("Hello world!");
  });

  it("throws the server's message for an error body, in both vLLM error shapes", () => {
    const now = {
      error: {
        message: "This model's maximum context length is 32768 tokens.",
        type: "BadRequestError",
        param: null,
        code: 400,
      },
    };
    const old = { object: "error", message: "too long", type: "BadRequestError", param: null, code: 400 };
    expect(() => fromResponse(now)).toThrowError(HttpStatusError);
    expect(() => fromResponse(now)).toThrowError(/maximum context length/);
    expect(() => fromResponse(old)).toThrowError(/too long/);
  });

  it("rejects what it cannot read with a typed error", () => {
    expect(() => fromResponse("not json")).toThrowError(UsageError);
    expect(() => fromResponse({ choices: [] })).toThrowError(ResponseShapeError);
  });
});
