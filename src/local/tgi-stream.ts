import { ApiError } from "./api-error.js";
import type { Engine } from "./engine-types.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { choiceRandom, interleave, sampleTokens } from "./sampling-loop.js";
import type { SseFraming, SseWriter } from "./sse-writer.js";
import { type TgiPlan, tgiFinishReason } from "./tgi-generate.js";
import { tgiToken, topTokens } from "./tgi-tokens.js";

/** TGI's axum SSE: `data:` without a space, `X-Accel-Buffering: no`. @example new SseWriter(res, TGI_SSE) */
export const TGI_SSE: SseFraming = {
  prefix: "data:",
  headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" },
};

/**
 * Streams `POST /generate_stream` as TGI does (reference/wire-formats.md §3.3): one event per token,
 * `data:{"index", "token", "top_tokens"?, "generated_text": null, "details": null}` with `index`
 * counting from 1 and `top_tokens` (a flat list) only when `top_n_tokens` > 0; the last event carries
 * `generated_text` and, with `parameters.details`, `details = {finish_reason, generated_tokens, seed,
 * input_length}`. No `[DONE]`: the stream simply ends. Errors become `data:{"error", "error_type"}`
 * events (HTTP 200 already sent), as TGI does for validation errors on this route.
 *
 * @example
 * await tgiStream(engine, planTgi(engine, { inputs: "Hi", parameters: { max_new_tokens: 5 } }, true), new SseWriter(res, TGI_SSE));
 */
export async function tgiStream(engine: Engine, plan: TgiPlan | ApiError, sse: SseWriter): Promise<void> {
  if (plan instanceof ApiError) {
    await sse.event(JSON.stringify({ error: plan.message, error_type: plan.type }));
    sse.end();
    return;
  }
  const { tokenizer, model } = engine;
  const p = plan.request.parameters;
  const decoder = new IncrementalDecoder(tokenizer, { keepSpecial: true });
  const ids: number[] = [];
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
        ids.push(token.id);
        finished = token.finish !== null;
        const event: Record<string, unknown> = {
          index: ids.length,
          token: tgiToken(tokenizer, token.id, decoder.push(token.id), token.query!.logprob),
        };
        if (plan.topN > 0) event.top_tokens = topTokens(tokenizer, token.query!);
        event.generated_text = null;
        event.details = null;
        if (token.finish) {
          const text = tokenizer.decode(ids.filter((id) => !tokenizer.isSpecial(id)));
          event.generated_text = (p?.return_full_text ? plan.request.inputs : "") + text;
          if (p?.details) {
            event.details = {
              finish_reason: tgiFinishReason(token.finish),
              generated_tokens: ids.length,
              seed: plan.reportedSeed,
              input_length: plan.ids.length,
            };
          }
        }
        await sse.event(JSON.stringify(event));
      },
      () => sse.cancelled,
    );
    if (!finished) sse.throwIfStopped();
  } catch (error) {
    // A shutdown cut is TGI's incomplete stream; anything else failed during generation.
    const event =
      error instanceof ApiError && error.status === 503
        ? { error: error.message, error_type: "incomplete_generation" }
        : {
            error: `Request failed during generation: ${(error as Error)?.message ?? String(error)}`,
            error_type: "generation",
          };
    await sse.event(JSON.stringify(event));
  }
  sse.end();
}
