import type { TgiGenerateRequest } from "../providers/tgi-request-schema.js";
import { ApiError } from "./api-error.js";
import type { Engine } from "./engine-types.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { createRandom } from "./random.js";
import { type FinishReason, generateAll, requestSeed } from "./sampling-loop.js";
import { prefillTokens, tgiToken, topTokens } from "./tgi-tokens.js";

/** TGI's launcher default `--max-top-n-tokens 5` (the server also mimics `--max-stop-sequences 4` and, as chosen, `--max-best-of 1`). @example TGI_MAX_TOP_N_TOKENS // 5 */
export const TGI_MAX_TOP_N_TOKENS = 5;
const MAX_STOP_SEQUENCES = 4;

/** A validated TGI generate request. @example planTgi(engine, { inputs: "Hi", parameters: {} }, false).reportedSeed // null (greedy) */
export interface TgiPlan {
  request: TgiGenerateRequest;
  /** Prompt ids: `<|begin_of_text|>` + inputs, truncated from the left to `truncate`. */
  ids: number[];
  maxNewTokens: number;
  /** 0 when TGI would decode greedily. */
  temperature: number;
  seed: number;
  /** `details.seed`: the seed when sampling, null when greedy (TGI's `seed if do_sample else None`). */
  reportedSeed: number | null;
  topN: number;
}

/** A TGI validation error: 422 `{"error": "Input validation error: …", "error_type": "validation"}`. */
function invalid(message: string): ApiError {
  return new ApiError(422, `Input validation error: ${message}`, null, "validation");
}

/**
 * Validates a generate request with TGI's rules and messages (router/src/validation.rs, in its
 * order): temperature/penalties/top_p/top_k ranges, `max_new_tokens` > 0, ≤ 4 stop sequences,
 * `top_n_tokens` ≤ 5, non-empty inputs, truncate, context length; default `max_new_tokens` = the room
 * left in the context. Sampling follows TGI: without a `parameters` object `do_sample` defaults to
 * true; with one, sampling happens when `do_sample` or a warper (temperature ≠ 1, top_k, top_p < 1,
 * typical_p < 1) asks for it, else decoding is greedy.
 *
 * @example
 * planTgi(engine, { inputs: "The capital of France is", parameters: { max_new_tokens: 3, details: true } })
 */
export function planTgi(engine: Engine, request: TgiGenerateRequest, stream: boolean): TgiPlan {
  const p = request.parameters;
  const doSample = p === undefined ? true : (p.do_sample ?? false);
  if (p?.best_of !== null && p?.best_of !== undefined && p.best_of !== 1) {
    throw invalid(
      stream
        ? "`best_of` != 1 is not supported when streaming tokens"
        : "`best_of` != 1 is not allowed for this endpoint",
    );
  }
  if (stream && p?.decoder_input_details) {
    throw invalid("`decoder_input_details` == true is not supported when streaming tokens");
  }
  const temperature = p?.temperature ?? 1;
  if (temperature <= 0) throw invalid("`temperature` must be strictly positive");
  if ((p?.repetition_penalty ?? 1) <= 0) throw invalid("`repetition_penalty` must be strictly positive");
  const frequency = p?.frequency_penalty ?? 0;
  if (frequency < -2 || frequency > 2) throw invalid("`frequency_penalty` must be >= -2.0 and <= 2.0");
  const topP = p?.top_p ?? null;
  if (topP !== null && (topP <= 0 || topP >= 1)) throw invalid("`top_p` must be > 0.0 and < 1.0");
  const typicalP = p?.typical_p ?? null;
  if (typicalP !== null && (typicalP <= 0 || typicalP >= 1))
    throw invalid("`typical_p` must be > 0.0 and < 1.0");
  const topK = p?.top_k ?? null;
  if (topK !== null && topK <= 0) throw invalid("`top_k` must be strictly positive");
  if (p?.max_new_tokens === 0) throw invalid("`max_new_tokens` must be strictly positive");
  const stops = p?.stop?.length ?? 0;
  if (stops > MAX_STOP_SEQUENCES) {
    throw invalid(`\`stop\` supports up to ${MAX_STOP_SEQUENCES} stop sequences. Given: ${stops}`);
  }
  const seed = requestSeed(p?.seed);
  const topN = p?.top_n_tokens ?? 0;
  if (topN > TGI_MAX_TOP_N_TOKENS) {
    throw invalid(`\`top_n_tokens\` must be >= 0 and <= ${TGI_MAX_TOP_N_TOKENS}. Given: ${topN}`);
  }
  if (request.inputs.length === 0) throw invalid("`inputs` cannot be empty");
  const maxTotal = engine.maxModelLen;
  const maxInput = maxTotal - 1;
  const truncate = p?.truncate ?? null;
  if (truncate !== null && (truncate === 0 || truncate > maxInput)) {
    throw invalid(`\`truncate\` must be strictly positive and less than ${maxInput}. Given: ${truncate}`);
  }
  const all = [engine.tokenizer.bos, ...engine.tokenizer.encode(request.inputs)];
  const ids = truncate === null ? all : all.slice(Math.max(0, all.length - truncate));
  if (ids.length > maxInput)
    throw invalid(`\`inputs\` must have less than ${maxInput} tokens. Given: ${ids.length}`);
  const maxNewTokens = p?.max_new_tokens ?? maxTotal - ids.length;
  if (ids.length + maxNewTokens > maxTotal) {
    throw invalid(
      `\`inputs\` tokens + \`max_new_tokens\` must be <= ${maxTotal}. Given: ${ids.length} \`inputs\` tokens and ${maxNewTokens} \`max_new_tokens\``,
    );
  }
  // The shard's choice (tokens.py): sample when do_sample or any warper is active.
  const sampling = doSample || temperature !== 1 || (topK ?? 0) > 0 || (topP ?? 1) < 1 || (typicalP ?? 1) < 1;
  return {
    request,
    ids,
    maxNewTokens,
    temperature: sampling ? temperature : 0,
    seed,
    reportedSeed: sampling ? seed : null,
    topN,
  };
}

/** TGI's finish reasons. @example tgiFinishReason("stop") // "eos_token" */
export function tgiFinishReason(finish: FinishReason): "eos_token" | "length" {
  return finish === "stop" ? "eos_token" : "length";
}

/**
 * Answers `POST /generate` as TGI does (reference/wire-formats.md §3.2): `{"generated_text"}` plus,
 * with `details` or `decoder_input_details`, `details = {finish_reason, generated_tokens, seed,
 * prefill, tokens, top_tokens?}` — `prefill` filled only with `decoder_input_details` (first logprob
 * null), `top_tokens` only when `top_n_tokens` > 0. Logprobs are the raw model's (the embedded model
 * applies no warpers to what it reports).
 *
 * @example
 * tgiGenerateResponse(engine, planTgi(engine, { inputs: "Hi", parameters: { max_new_tokens: 2, details: true } }, false))
 */
export function tgiGenerateResponse(
  engine: Engine,
  plan: TgiPlan,
): { body: string; generatedTokens: number } {
  const { tokenizer, model } = engine;
  const p = plan.request.parameters;
  const { tokens, finish } = generateAll(model, plan.ids, {
    maxTokens: plan.maxNewTokens,
    temperature: plan.temperature,
    random: createRandom(plan.seed),
    topK: plan.topN,
  });
  const ids = tokens.map((t) => t.id);
  const text = tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id)));
  const generatedText = (p?.return_full_text ? plan.request.inputs : "") + text;
  if (!p?.details && !p?.decoder_input_details) {
    return { body: JSON.stringify({ generated_text: generatedText }), generatedTokens: ids.length };
  }
  const decoder = new IncrementalDecoder(tokenizer, { keepSpecial: true });
  const details = {
    finish_reason: tgiFinishReason(finish),
    generated_tokens: ids.length,
    seed: plan.reportedSeed,
    prefill: p.decoder_input_details ? prefillTokens(engine, plan.ids) : [],
    tokens: tokens.map((t) => tgiToken(tokenizer, t.id, decoder.push(t.id), t.query!.logprob)),
    top_tokens: plan.topN > 0 ? tokens.map((t) => topTokens(tokenizer, t.query!)) : undefined,
  };
  return { body: JSON.stringify({ generated_text: generatedText, details }), generatedTokens: ids.length };
}
