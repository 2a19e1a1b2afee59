import type { CompletionRequest } from "../providers/vllm-schema.js";
import { ApiError } from "./api-error.js";
import type { Engine } from "./engine-types.js";
import type { PositionQuery } from "./language-model.js";
import { choiceRandom, generateAll, requestSeed } from "./sampling-loop.js";
import type { Tokenizer } from "./tokenizer.js";
import {
  checkContext,
  checkLogprobs,
  legacyLogprobs,
  promptLogprobsParts,
  pushJsonArray,
  responseId,
} from "./vllm-json.js";

/** One prompt of a completions request, ready to generate from. @example planCompletion(engine, { prompt: "Hi" }).prompts[0].ids // [128000, 13347] */
export interface CompletionPrompt {
  ids: number[];
  /** The text `echo` puts in front: the prompt string, or the decoded ids of a token-id prompt. */
  echoText: string;
  /** `prompt_logprobs` steps (null at 0), or null when not asked for. */
  steps: (PositionQuery | null)[] | null;
}

/** A validated `/v1/completions` request, shared by the JSON and the streaming answer. @example planCompletion(engine, { prompt: "Hi", n: 2 }).n // 2 */
export interface CompletionPlan {
  request: CompletionRequest;
  model: string;
  prompts: CompletionPrompt[];
  n: number;
  /** Tokens to generate per choice (0 only for echo with `max_tokens: 0`). */
  budget: number;
  temperature: number;
  seed: number;
  /** Legacy `logprobs` k, or null. */
  sampleLogprobs: number | null;
  /** Token string of an id in `tokens` / `top_logprobs` (`token_id:N` with return_tokens_as_token_ids). */
  text: (id: number) => string;
}

/**
 * Validates a `/v1/completions` request as vLLM does (reference/wire-formats.md §1.2) and scores the
 * prompts when `prompt_logprobs` (or echo + logprobs) asks for it.
 *
 * @example
 * const plan = planCompletion(engine, { prompt: "Hi", max_tokens: 2, stream: true });
 */
export function planCompletion(engine: Engine, request: CompletionRequest): CompletionPlan {
  const { tokenizer, model } = engine;
  if (request.stream_options && !request.stream) {
    throw new ApiError(400, "Stream options can only be defined when `stream=True`.", "stream_options");
  }
  const requested = request.prompt_logprobs;
  if (
    request.stream &&
    requested !== null &&
    requested !== undefined &&
    (requested > 0 || requested === -1)
  ) {
    throw new ApiError(400, "`prompt_logprobs` are not available when `stream=True`.", "prompt_logprobs");
  }
  const promptLogprobs = checkLogprobs(
    engine,
    request.prompt_logprobs ?? (request.echo ? request.logprobs : null),
    "prompt",
  );
  const sampleLogprobs = checkLogprobs(engine, request.logprobs ?? null, "sample");
  const maxTokens = request.max_tokens ?? 16;
  if (maxTokens === 0 && !request.echo) {
    throw new ApiError(
      400,
      "max_tokens must be at least 1 (0 is allowed only with echo=true).",
      "max_tokens",
    );
  }
  const prompts = promptIds(tokenizer, request.prompt).map((ids, p): CompletionPrompt => {
    checkContext(engine, ids.length, maxTokens, "max_tokens");
    const context = Uint32Array.from(ids);
    const steps =
      promptLogprobs === null
        ? null
        : ids.map((id, i) => (i === 0 ? null : model.query(context.subarray(0, i), id, promptLogprobs)));
    return { ids, echoText: echoText(tokenizer, request.prompt, p, ids), steps };
  });
  const asIds = request.return_tokens_as_token_ids === true;
  return {
    request,
    model: request.model ?? "logprob-lab-embedded",
    prompts,
    n: request.n ?? 1,
    budget: request.echo && maxTokens === 0 ? 0 : maxTokens,
    temperature: request.temperature ?? 1,
    seed: requestSeed(request.seed),
    sampleLogprobs,
    text: (id) => (asIds ? `token_id:${id}` : tokenizer.tokenText(id)),
  };
}

/**
 * Answers `POST /v1/completions` as vLLM does (reference/wire-formats.md §1): prompt logprobs with the
 * actual token first at its exact rank, echo, legacy `logprobs` arrays, `return_token_ids`, `n`, seeded
 * sampling and usage counts. Returns the JSON text: vLLM's dict key order (actual token first) cannot
 * survive a JS object, whose integer-like keys iterate in ascending order. Streaming requests go to
 * `streamCompletions` instead.
 *
 * @example
 * completionsResponse(engine, { model: "llama-8b", prompt: "The capital of France is", max_tokens: 1, prompt_logprobs: 5 })
 */
export function completionsResponse(engine: Engine, request: CompletionRequest): string {
  return completionsBody(engine, request).join("");
}

/**
 * `completionsResponse` as pieces of JSON text, in order: the server writes them into one buffer
 * without ever joining them (an answer with top-20 prompt logprobs is MBs, and a string that large
 * is copied whole each time it is flattened or encoded).
 *
 * @example
 * completionsBody(engine, { prompt: "Hi", max_tokens: 1, prompt_logprobs: 20 }).join("")
 */
export function completionsBody(engine: Engine, request: CompletionRequest): string[] {
  if (request.stream) throw new ApiError(400, "stream=true is answered by streamCompletions.", "stream");
  const plan = planCompletion(engine, request);
  const { tokenizer, model } = engine;
  const head = {
    id: responseId("cmpl"),
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
  };
  const body = [`${JSON.stringify(head).slice(0, -1)},"choices":[`];
  let choices = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  plan.prompts.forEach((prompt, p) => {
    promptTokens += prompt.ids.length;
    for (let j = 0; j < plan.n; j++) {
      const { tokens, finish } = generateAll(model, prompt.ids, {
        maxTokens: plan.budget,
        temperature: plan.temperature,
        random: choiceRandom(plan.seed, j, p),
        topK: plan.sampleLogprobs,
      });
      const generated = tokens.map((t) => t.id);
      completionTokens += generated.length;
      const genText = tokenizer.decode(generated.filter((id) => !tokenizer.isSpecial(id)));
      const echo = request.echo === true;
      const legacy =
        plan.sampleLogprobs === null
          ? null
          : legacyLogprobs(
              echo ? [...prompt.ids, ...generated] : generated,
              [...(echo ? (prompt.steps ?? prompt.ids.map(() => null)) : []), ...tokens.map((t) => t.query)],
              plan.sampleLogprobs,
              plan.text,
            ).json;
      body.push(
        `${choices === 0 ? "" : ","}{"index":${choices++},"text":${JSON.stringify((echo ? prompt.echoText : "") + genText)},"logprobs":${legacy ?? "null"},` +
          `"finish_reason":${JSON.stringify(finish)},"stop_reason":null,"prompt_logprobs":`,
      );
      if (prompt.steps) pushJsonArray(body, promptLogprobsParts(prompt.steps, prompt.ids, tokenizer));
      else body.push("null");
      body.push(
        `,"prompt_token_ids":${request.return_token_ids ? JSON.stringify(prompt.ids) : "null"},` +
          `"token_ids":${request.return_token_ids ? JSON.stringify(generated) : "null"}}`,
      );
    }
  });
  const usage = {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
  };
  body.push(`],"usage":${JSON.stringify(usage)}}`);
  return body;
}

/** Text prompts get `<|begin_of_text|>` first, as vLLM's Llama 3 tokenizer adds it; id prompts are taken as given. */
function promptIds(tokenizer: Tokenizer, prompt: CompletionRequest["prompt"]): number[][] {
  const list: (string | number[])[] =
    typeof prompt === "string"
      ? [prompt]
      : typeof prompt[0] === "number"
        ? [prompt as number[]]
        : (prompt as (string | number[])[]);
  return list.map((p, i) => {
    if (typeof p === "string") {
      const ids = tokenizer.encode(p);
      return [tokenizer.bos, ...ids];
    }
    for (const id of p) {
      if (id >= tokenizer.vocabSize) {
        throw new ApiError(
          400,
          `Token id ${id} in prompt ${i} is out of vocabulary (size ${tokenizer.vocabSize}).`,
          "prompt",
        );
      }
    }
    return p;
  });
}

/** vLLM echoes the prompt string; a token-id prompt is echoed as its decoded ids (special tokens kept). */
function echoText(
  tokenizer: Tokenizer,
  prompt: CompletionRequest["prompt"],
  index: number,
  ids: number[],
): string {
  if (typeof prompt === "string") return prompt;
  const item = typeof prompt[0] === "number" ? prompt : prompt[index];
  return typeof item === "string" ? item : tokenizer.decode(ids);
}
