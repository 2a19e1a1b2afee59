import { ApiError } from "./api-error.js";
import type { Engine } from "./engine-types.js";
import type { PositionQuery } from "./language-model.js";
import type { Tokenizer } from "./tokenizer.js";

/**
 * JSON pieces of vLLM's answers, written by hand so that vLLM's dict key order (the actual token
 * first) survives: a JS object would iterate integer-like keys in ascending order.
 */

/**
 * vLLM clamps -inf to -9999.0; JSON has no infinities.
 *
 * @example
 * jsonNumber(-Infinity) // "-9999.0"
 */
export function jsonNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : "-9999.0";
}

/**
 * Checks a `logprobs` / `prompt_logprobs` / `top_logprobs` count as vLLM does: `-1` means the whole
 * vocabulary, below -1 is a 400, above the server cap is vLLM's "max allowed" 400.
 *
 * @example
 * checkLogprobs(engine, 21, "prompt") // throws "Requested prompt logprobs of 21, which is greater than max allowed: 20"
 */
export function checkLogprobs(
  engine: Engine,
  value: number | null | undefined,
  kind: "prompt" | "sample",
  param: string = kind === "prompt" ? "prompt_logprobs" : "logprobs",
): number | null {
  if (value === null || value === undefined) return null;
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

/**
 * vLLM's context-length 400s, worded as current vLLM words them (vllm/renderers/params.py
 * `TokenizeParams`, raised as `VLLMValidationError`, whose text ends with "(parameter=…, value=…)"):
 * more output tokens than the context holds names the output parameter (`max_tokens` or
 * `max_completion_tokens`); a prompt that leaves too little room names `input_tokens`. The embedded
 * server knows the exact prompt length, so it never says vLLM's "at least".
 *
 * @example
 * checkContext(engine, 9000, 16, "max_tokens") // throws "This model's maximum context length is 8192 tokens. However, you requested 16 output tokens and your prompt contains 9000 input tokens, …"
 */
export function checkContext(engine: Engine, promptTokens: number, maxTokens: number, param: string): void {
  const limit = engine.maxModelLen;
  if (maxTokens > limit) {
    throw new ApiError(
      400,
      `${param}=${maxTokens} cannot be greater than max_model_len=max_total_tokens=${limit}. Please request fewer output tokens. (parameter=${param}, value=${maxTokens})`,
      param,
    );
  }
  if (promptTokens + maxTokens > limit) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${limit} tokens. However, you requested ${maxTokens} output tokens and your prompt contains ${promptTokens} input tokens, for a total of ${promptTokens + maxTokens} tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=${promptTokens})`,
      "input_tokens",
    );
  }
}

/**
 * The `prompt_logprobs` array's elements, one JSON text per position: null at position 0, then a
 * dict with the actual token first at its exact rank and the top-k at ranks 1..k (k or k + 1
 * keys), as vLLM V1 writes it. Pieces, not one text: see `completionsBody`.
 *
 * @example
 * promptLogprobsParts([null, model.query([128000], 791, 2)], [128000, 791], tokenizer)
 * // ["null", '{"791":{"logprob":…,"rank":…,"decoded_token":"The"},…}']
 */
export function promptLogprobsParts(
  steps: readonly (PositionQuery | null)[],
  ids: readonly number[],
  tokenizer: Tokenizer,
): string[] {
  return steps.map((step, i) => {
    if (!step) return "null";
    const entries = [`"${ids[i]}":${entryJson(step.logprob, step.rank, tokenizer.tokenText(ids[i]!))}`];
    step.top.forEach((alt, r) => {
      if (alt.id !== ids[i])
        entries.push(`"${alt.id}":${entryJson(alt.logprob, r + 1, tokenizer.tokenText(alt.id))}`);
    });
    return `{${entries.join(",")}}`;
  });
}

/**
 * Appends a JSON array of `elements` (each a JSON text) to `body` as pieces, without joining them.
 *
 * @example
 * pushJsonArray(body, ["null", "{}"]); body.join("") // "[null,{}]"
 */
export function pushJsonArray(body: string[], elements: readonly string[]): void {
  body.push("[");
  for (let i = 0; i < elements.length; i++) body.push(i === 0 ? (elements[i] as string) : `,${elements[i]}`);
  body.push("]");
}

function entryJson(logprob: number, rank: number, decoded: string): string {
  return `{"logprob":${jsonNumber(logprob)},"rank":${rank},"decoded_token":${JSON.stringify(decoded)}}`;
}

/**
 * Legacy OpenAI arrays: tokens, token_logprobs, top_logprobs keyed by decoded text (the actual token
 * first, then the top-k: up to k + 1 keys), text_offset in code points of the token strings starting
 * at `initialOffset` (a stream continues where the previous chunk ended). Returns the JSON and the
 * offset after the last token.
 *
 * @example
 * legacyLogprobs([791], [model.query([128000], 791, 1)], 1, (id) => tokenizer.tokenText(id)).json
 */
export function legacyLogprobs(
  ids: readonly number[],
  steps: readonly (PositionQuery | null)[],
  k: number,
  text: (id: number) => string,
  initialOffset = 0,
): { json: string; end: number } {
  const tokens: string[] = [];
  const tokenLogprobs: (number | null)[] = [];
  const tops: string[] = [];
  const offsets: number[] = [];
  let offset = initialOffset;
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
  const json = `{"text_offset":${JSON.stringify(offsets)},"token_logprobs":${JSON.stringify(tokenLogprobs)},"tokens":${JSON.stringify(tokens)},"top_logprobs":[${tops.join(",")}]}`;
  return { json, end: offset };
}

/**
 * A response id in vLLM's style (`cmpl-…`, `chatcmpl-…`).
 *
 * @example
 * responseId("chatcmpl") // "chatcmpl-3f0c9a…"
 */
export function responseId(prefix: string): string {
  return `${prefix}-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
}

/**
 * The error event of a vLLM stream (≥ 0.10.1): `{"error": {"message", "type", "param", "code"}}`,
 * sent as `data: …` before the closing `data: [DONE]`.
 *
 * @example
 * streamErrorJson(new Error("boom")) // '{"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}'
 */
export function streamErrorJson(error: unknown): string {
  const api =
    error instanceof ApiError ? error : new ApiError(500, (error as Error)?.message ?? String(error));
  return JSON.stringify({
    error: { message: api.message, type: api.type, param: api.param, code: api.status },
  });
}
