import type { DevupRequest } from "../providers/devup-request-schema.js";
import { ApiError } from "./api-error.js";
import type { Engine } from "./engine-types.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { pyFloat, pythonJson } from "./python-json.js";
import { choiceRandom, generateAll, interleave, type SampledToken, sampleTokens } from "./sampling-loop.js";
import type { SseFraming, SseWriter } from "./sse-writer.js";
import { topTokens } from "./tgi-tokens.js";
import type { Tokenizer } from "./tokenizer.js";

/** DeepInfra/DEVUP SSE: `data: ` with a space, no `[DONE]`. @example new SseWriter(res, DEVUP_SSE) */
export const DEVUP_SSE: SseFraming = {
  prefix: "data: ",
  headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
};

/** A validated DEVUP native request. @example planDevup(engine, { input: "Hi" }).maxNewTokens // 512 */
export interface DevupPlan {
  request: DevupRequest;
  ids: number[];
  maxNewTokens: number;
  temperature: number;
  seed: number;
  n: number;
  topN: number;
}

/**
 * Validates `POST /v1/inference/{model}` with DeepInfra's defaults (reference/wire-formats.md §3.7,
 * DeepInfra's `TextGenerationIn`): `max_new_tokens` 512 when absent and, when explicitly null, the room
 * left in the context up to 16384 (always clamped to the room left); `temperature` 0.7 (0 = greedy);
 * `num_responses` 1..4, not with streaming; `top_n_tokens` up to the server's logprob cap.
 * Errors are FastAPI's 422 `{"detail": [{"loc", "msg", "type"}]}`.
 *
 * @example
 * planDevup(engine, { input: "I have this dream", stream: true, max_new_tokens: 8 })
 */
export function planDevup(engine: Engine, request: DevupRequest): DevupPlan {
  const n = request.num_responses ?? 1;
  if (request.stream && n > 1) {
    throw new ApiError(422, "num_responses > 1 is incompatible with streaming", "num_responses");
  }
  const topN = request.top_n_tokens ?? 0;
  if (topN > engine.maxLogprobs) {
    throw new ApiError(
      422,
      `ensure this value is less than or equal to ${engine.maxLogprobs}`,
      "top_n_tokens",
    );
  }
  const ids = [engine.tokenizer.bos, ...engine.tokenizer.encode(request.input)];
  const room = engine.maxModelLen - ids.length;
  if (room < 1) {
    throw new ApiError(
      422,
      `the input has ${ids.length} tokens; the model's context length is ${engine.maxModelLen} tokens`,
      "input",
    );
  }
  const asked =
    request.max_new_tokens === undefined ? 512 : (request.max_new_tokens ?? Math.min(room, 16384));
  return {
    request,
    ids,
    maxNewTokens: Math.min(asked, room),
    temperature: request.temperature ?? 0.7,
    seed: request.seed ?? Math.floor(Math.random() * 2 ** 32),
    n,
    topN,
  };
}

/**
 * The non-streaming answer in DeepInfra's documented shape, FastAPI-compact:
 * `{"request_id", "inference_status": {"status", "runtime_ms", "cost", "tokens_generated",
 * "tokens_input"}, "results": [{"generated_text"}], "num_tokens", "num_input_tokens"}`.
 * `generated_text` excludes the prompt. With `details: true` (a logprob-lab extension, as no
 * non-streaming logprob shape is published) each result also has TGI-style `details`
 * `{finish_reason, generated_tokens, seed, tokens, top_tokens?}`.
 *
 * @example
 * devupResponse(engine, planDevup(engine, { input: "I have this dream", max_new_tokens: 4, details: true }))
 */
export function devupResponse(engine: Engine, plan: DevupPlan): string {
  const started = Date.now();
  const { tokenizer, model } = engine;
  let generated = 0;
  const results = [];
  for (let j = 0; j < plan.n; j++) {
    const { tokens, finish } = generateAll(model, plan.ids, {
      maxTokens: plan.maxNewTokens,
      temperature: plan.temperature,
      random: choiceRandom(plan.seed, j),
      topK: plan.request.details ? plan.topN : null,
    });
    generated += tokens.length;
    const result: Record<string, unknown> = { generated_text: generatedText(tokenizer, tokens) };
    if (plan.request.details) {
      const decoder = new IncrementalDecoder(tokenizer, { keepSpecial: true });
      result.details = {
        finish_reason: finish,
        generated_tokens: tokens.length,
        seed: plan.seed,
        tokens: tokens.map((t) => tokenJson(tokenizer, t, decoder.push(t.id))),
        top_tokens: plan.topN > 0 ? tokens.map((t) => topJson(tokenizer, t)) : undefined,
      };
    }
    results.push(result);
  }
  return pythonJson(
    {
      request_id: requestId(),
      inference_status: {
        status: "succeeded",
        runtime_ms: Date.now() - started,
        cost: pyFloat(0),
        tokens_generated: generated,
        tokens_input: plan.ids.length,
      },
      results,
      num_tokens: generated,
      num_input_tokens: plan.ids.length,
    },
    { compact: true },
  );
}

/**
 * Streams the answer as the DeepInfra/DEVUP docs show it, Python `json.dumps` style:
 * `data: {"token": {"id", "text", "logprob", "special"}, "generated_text": null, "details": null}` per
 * token (`top_tokens` after `token` when `top_n_tokens` > 0); the last event carries the last token,
 * `generated_text`, `details: {"finish_reason": "stop" | "length"}`, `num_output_tokens`,
 * `num_input_tokens` and `estimated_cost` (DeepInfra's stream schema). No `[DONE]`. An error after the
 * headers becomes `data: {"error_type", "error_message"}`.
 *
 * @example
 * await devupStream(engine, planDevup(engine, { input: "I have this dream", stream: true }), new SseWriter(res, DEVUP_SSE));
 */
export async function devupStream(engine: Engine, plan: DevupPlan, sse: SseWriter): Promise<void> {
  const { tokenizer, model } = engine;
  const decoder = new IncrementalDecoder(tokenizer, { keepSpecial: true });
  const tokens: SampledToken[] = [];
  let finished = false;
  try {
    const source = sampleTokens(model, plan.ids, {
      maxTokens: plan.maxNewTokens,
      temperature: plan.temperature,
      random: choiceRandom(plan.seed, 0),
      topK: plan.topN,
    });
    await interleave(
      [source],
      async (_, token) => {
        tokens.push(token);
        finished = token.finish !== null;
        const event: Record<string, unknown> = { token: tokenJson(tokenizer, token, decoder.push(token.id)) };
        if (plan.topN > 0) event.top_tokens = topJson(tokenizer, token);
        event.generated_text = token.finish ? generatedText(tokenizer, tokens) : null;
        event.details = token.finish ? { finish_reason: token.finish } : null;
        if (token.finish) {
          event.num_output_tokens = tokens.length;
          event.num_input_tokens = plan.ids.length;
          event.estimated_cost = pyFloat(0);
        }
        await sse.event(pythonJson(event));
      },
      () => sse.cancelled,
    );
    if (!finished) sse.throwIfStopped();
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    await sse.event(pythonJson({ error_type: "generation_error", error_message: message }));
  }
  sse.end();
}

function tokenJson(tokenizer: Tokenizer, token: SampledToken, text: string) {
  return {
    id: token.id,
    text,
    logprob: pyFloat(token.query!.logprob),
    special: tokenizer.isSpecial(token.id),
  };
}

function topJson(tokenizer: Tokenizer, token: SampledToken) {
  return topTokens(tokenizer, token.query!).map((t) => ({ ...t, logprob: pyFloat(t.logprob ?? -9999) }));
}

function generatedText(tokenizer: Tokenizer, tokens: readonly SampledToken[]): string {
  return tokenizer.decode(tokens.map((t) => t.id).filter((id) => !tokenizer.isSpecial(id)));
}

/** A DeepInfra-like request id: 24 letters and digits. */
function requestId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let id = "";
  for (let i = 0; i < 24; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}
