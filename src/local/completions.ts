import type { CompletionRequest } from "../providers/vllm-schema.js";
import type { LanguageModel, PositionQuery } from "./language-model.js";
import { createRandom } from "./random.js";
import type { Tokenizer } from "./tokenizer.js";

/** An error the server answers with, in vLLM's JSON error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  constructor(status: number, message: string, param: string | null = null) {
    super(message);
    this.status = status;
    this.type = status === 404 ? "NotFoundError" : status >= 500 ? "InternalServerError" : "BadRequestError";
    this.param = param;
  }
}

export interface Engine {
  model: LanguageModel;
  tokenizer: Tokenizer;
  /** Context window in tokens (prompt + completion). */
  maxModelLen: number;
  /** Upper bound of `logprobs` / `prompt_logprobs`, vLLM's `--max-logprobs` (default 20). */
  maxLogprobs: number;
}

const STOP_IDS = new Set([128001, 128009]);

/**
 * Answers `POST /v1/completions` as vLLM does (reference/wire-formats.md §1): prompt logprobs with the
 * actual token first at its exact rank, echo, legacy `logprobs` arrays, `return_token_ids`, `n`, seeded
 * sampling and usage counts. Returns the JSON text: vLLM's dict key order (actual token first) cannot
 * survive a JS object, whose integer-like keys iterate in ascending order.
 *
 * @example
 * completionsResponse(engine, { model: "llama-8b", prompt: "The capital of France is", max_tokens: 1, prompt_logprobs: 5 })
 */
export function completionsResponse(engine: Engine, request: CompletionRequest): string {
  const { tokenizer, model } = engine;
  if (request.stream)
    throw new ApiError(400, "stream=true is not supported by the embedded server yet.", "stream");
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
  const n = request.n ?? 1;
  const temperature = request.temperature ?? 1;
  const prompts = promptIds(tokenizer, request.prompt);
  const asIds = request.return_tokens_as_token_ids === true;
  const text = (id: number) => (asIds ? `token_id:${id}` : tokenizer.tokenText(id));
  const choices: string[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  prompts.forEach((ids, p) => {
    if (ids.length + maxTokens > engine.maxModelLen) {
      throw new ApiError(
        400,
        `This model's maximum context length is ${engine.maxModelLen} tokens. However, you requested ${ids.length + maxTokens} tokens (${ids.length} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
        "prompt",
      );
    }
    promptTokens += ids.length;
    const context = new Uint32Array(ids.length + maxTokens);
    context.set(ids);
    const promptSteps: (PositionQuery | null)[] | null =
      promptLogprobs === null || promptLogprobs === undefined
        ? null
        : ids.map((id, i) => (i === 0 ? null : model.query(context.subarray(0, i), id, promptLogprobs)));
    const seed = request.seed ?? Math.floor(Math.random() * 2 ** 32);
    for (let j = 0; j < n; j++) {
      // One stream per choice, so n > 1 with a seed gives n different, reproducible samples.
      const random = createRandom(seed + j * 0x9e3779b1 + p * 0x85ebca6b);
      const generated: number[] = [];
      const steps: PositionQuery[] = [];
      const budget = request.echo && maxTokens === 0 ? 0 : maxTokens;
      let finish = "length";
      for (let t = 0; t < budget; t++) {
        const at = ids.length + t;
        const next = model.sample(context.subarray(0, at), random, temperature);
        context[at] = next;
        generated.push(next);
        if (sampleLogprobs !== null) steps.push(model.query(context.subarray(0, at), next, sampleLogprobs));
        if (STOP_IDS.has(next)) {
          finish = "stop";
          break;
        }
      }
      completionTokens += generated.length;
      const genText = tokenizer.decode(generated.filter((id) => !tokenizer.isSpecial(id)));
      const choiceText =
        (request.echo && typeof request.prompt !== "object" ? promptText(request.prompt, p) : "") + genText;
      const legacy =
        sampleLogprobs === null
          ? null
          : legacyLogprobs(
              request.echo ? [...ids, ...generated] : generated,
              request.echo ? [...(promptSteps ?? ids.map(() => null)), ...steps] : steps,
              sampleLogprobs,
              text,
            );
      choices.push(
        `{"index":${choices.length},"text":${JSON.stringify(choiceText)},"logprobs":${legacy ?? "null"},` +
          `"finish_reason":${JSON.stringify(finish)},"stop_reason":null,` +
          `"prompt_logprobs":${promptSteps ? promptLogprobsJson(promptSteps, ids, tokenizer) : "null"},` +
          `"prompt_token_ids":${request.return_token_ids ? JSON.stringify(ids) : "null"},` +
          `"token_ids":${request.return_token_ids ? JSON.stringify(generated) : "null"}}`,
      );
    }
  });
  const head = {
    id: `cmpl-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`,
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model ?? "logprob-lab-embedded",
  };
  const usage = {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
  };
  return `${JSON.stringify(head).slice(0, -1)},"choices":[${choices.join(",")}],"usage":${JSON.stringify(usage)}}`;
}

/** `-1` means the whole vocabulary, as in vLLM; anything above the cap is vLLM's 400. */
function checkLogprobs(
  engine: Engine,
  value: number | null | undefined,
  kind: "prompt" | "sample",
): number | null {
  if (value === null || value === undefined) return null;
  const param = kind === "prompt" ? "prompt_logprobs" : "logprobs";
  if (value < -1) throw new ApiError(400, `\`${param}\` must be a positive value or -1.`, param);
  const requested = value === -1 ? engine.tokenizer.vocabSize : value;
  if (requested > engine.maxLogprobs) {
    throw new ApiError(
      400,
      `Requested ${kind} logprobs of ${requested}, which is greater than max allowed: ${engine.maxLogprobs}`,
      param,
    );
  }
  return requested;
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
    if (typeof p === "string") return [tokenizer.bos, ...tokenizer.encode(p)];
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

function promptText(prompt: string | string[], index: number): string {
  return typeof prompt === "string" ? prompt : (prompt[index] ?? "");
}

/** One `prompt_logprobs` dict: the actual token first at its exact rank, then the top-k at ranks 1..k. */
function promptLogprobsJson(steps: (PositionQuery | null)[], ids: number[], tokenizer: Tokenizer): string {
  const parts = steps.map((step, i) => {
    if (!step) return "null";
    const entries = [`"${ids[i]}":${entryJson(step.logprob, step.rank, tokenizer.tokenText(ids[i]))}`];
    step.top.forEach((alt, r) => {
      if (alt.id !== ids[i])
        entries.push(`"${alt.id}":${entryJson(alt.logprob, r + 1, tokenizer.tokenText(alt.id))}`);
    });
    return `{${entries.join(",")}}`;
  });
  return `[${parts.join(",")}]`;
}

function entryJson(logprob: number, rank: number, decoded: string): string {
  return `{"logprob":${jsonNumber(logprob)},"rank":${rank},"decoded_token":${JSON.stringify(decoded)}}`;
}

/** vLLM clamps -inf to -9999.0; JSON has no infinities. */
function jsonNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : "-9999.0";
}

/**
 * Legacy OpenAI arrays: tokens, token_logprobs, top_logprobs keyed by decoded text (the actual token
 * first, then the top-k: up to k + 1 keys), text_offset in code points of the token strings.
 */
function legacyLogprobs(
  ids: number[],
  steps: (PositionQuery | null)[],
  k: number,
  text: (id: number) => string,
): string {
  const tokens: string[] = [];
  const tokenLogprobs: (number | null)[] = [];
  const tops: string[] = [];
  const offsets: number[] = [];
  let offset = 0;
  ids.forEach((id, i) => {
    const step = steps[i];
    const token = text(id);
    tokens.push(token);
    offsets.push(offset);
    offset += [...token].length;
    if (!step) {
      tokenLogprobs.push(null);
      tops.push("null");
      return;
    }
    tokenLogprobs.push(Number.isFinite(step.logprob) ? step.logprob : -9999);
    const seen = new Set<string>();
    const entries: string[] = [];
    const add = (key: string, lp: number) => {
      if (seen.has(key) || entries.length > k) return;
      seen.add(key);
      entries.push(`${JSON.stringify(key)}:${jsonNumber(lp)}`);
    };
    add(token, step.logprob);
    for (const alt of step.top) add(text(alt.id), alt.logprob);
    tops.push(`{${entries.join(",")}}`);
  });
  return `{"text_offset":${JSON.stringify(offsets)},"token_logprobs":${JSON.stringify(tokenLogprobs)},"tokens":${JSON.stringify(tokens)},"top_logprobs":[${tops.join(",")}]}`;
}
