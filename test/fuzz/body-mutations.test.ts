import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIALECTS, type ParseHints } from "../../src/providers/dialects.js";
import type { Dialect } from "../../src/providers/parsed-sequence.js";
import { fixture } from "../fixtures/load.js";
import { CASES_PER_PARSER, FUZZ_TIMEOUT_MS, fuzzParameters } from "./fuzz-settings.js";
import { checkSequence, resultOrTypedError } from "./invariants.js";
import { deepFreeze, jsonMutations, mutateJson } from "./json-mutations.js";

// Property (b) of issue 7, on each dialect's body parser: a valid body mutated at random gives a
// result whose numbers keep their invariants, or a typed LogprobLabError — never a TypeError,
// RangeError or other crash.

interface Target {
  dialect: Dialect;
  bodies: string[];
  hints: ParseHints[];
}

const TARGETS: Record<string, Target> = {
  "vLLM completions with prompt_logprobs": {
    dialect: "vllm-completions",
    bodies: ["vllm/seed-prompt-logprobs.json", "vllm/echo-prompt-logprobs.json"],
    hints: [
      {},
      { prompt: "The capital of France is" },
      { prompt: "Hello world" },
      { promptTokenIds: [128000, 791, 6864, 315, 9822, 374] },
      { includeGenerated: false, prompt: "" },
      { choice: 1 },
    ],
  },
  "legacy completions echo + logprobs": {
    dialect: "vllm-completions",
    bodies: ["openai/legacy-echo.json"],
    hints: [{}, { prompt: "Hello" }, { includeGenerated: false }],
  },
  "OpenAI chat": {
    dialect: "openai-chat",
    bodies: [
      "openai/chat-logprobs.json",
      "vllm/chat-n2.json",
      "vllm/chat-prompt-logprobs.json",
      "vllm/chat-eos-placeholder.json",
    ],
    hints: [{}, { choice: 1 }, { promptTokenIds: [128000, 128006, 882, 128007] }],
  },
  "TGI generate": {
    dialect: "tgi",
    bodies: [
      "tgi/generate-stream.json",
      "tgi/generate-bloom-prefill.json",
      "tgi/generate-prefix-cached.json",
      "tgi/generate-empty-prefill.json",
    ],
    hints: [
      {},
      { promptLogprobs: true, prompt: "Pour dégustation" },
      { choice: 1 },
      { includeGenerated: false },
    ],
  },
  DEVUP: {
    dialect: "devup",
    bodies: ["tgi/devup-details.json", "tgi/deepinfra-native.json"],
    hints: [{}, { model: "m" }, { choice: 1 }],
  },
  "llama.cpp": {
    dialect: "llamacpp",
    bodies: [
      "llamacpp/completion.json",
      "llamacpp/completion-legacy.json",
      "llamacpp/completion-partial-utf8.json",
      "llamacpp/completion-post-sampling.json",
    ],
    hints: [{}, { choice: 1 }],
  },
  Ollama: {
    dialect: "ollama",
    bodies: ["ollama/generate.json", "ollama/chat.json", "ollama/generate-emoji.json"],
    hints: [{}],
  },
};

describe("a mutated body gives a result or a typed error, per dialect parser", {
  timeout: FUZZ_TIMEOUT_MS,
}, () => {
  for (const [name, target] of Object.entries(TARGETS)) {
    it(name, () => {
      const bodies = target.bodies.map((path) => deepFreeze(fixture(`./${path}`)));
      let parsed = 0;
      fc.assert(
        fc.property(
          fc.nat(bodies.length - 1),
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...target.hints) },
            // Any prompt text: the parsers repair token text against it.
            fc.string({ unit: "binary", maxLength: 12 }).map((prompt): ParseHints => ({ prompt })),
          ),
          jsonMutations,
          (b, hints, mutations) => {
            const body = mutateJson(bodies[b], mutations);
            const out = resultOrTypedError(() => DIALECTS[target.dialect].parse(body, hints));
            if (out instanceof Error) return;
            checkSequence(out);
            parsed++;
          },
        ),
        fuzzParameters(CASES_PER_PARSER),
      );
      // Mutations keep many bodies readable: the invariants were checked on real results.
      expect(parsed).toBeGreaterThan(CASES_PER_PARSER / 20);
    });
  }
});
