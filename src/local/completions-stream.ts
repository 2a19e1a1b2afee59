import type { CompletionPlan } from "./completions.js";
import type { Engine } from "./engine-types.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import type { PositionQuery } from "./language-model.js";
import { choiceRandom, interleave, type SampledToken, sampleTokens } from "./sampling-loop.js";
import type { SseWriter } from "./sse-writer.js";
import { legacyLogprobs, responseId, streamErrorJson } from "./vllm-json.js";

/** Framing of a vLLM stream (FastAPI StreamingResponse, media type text/event-stream). @example new SseWriter(res, VLLM_SSE) */
export const VLLM_SSE = {
  prefix: "data: ",
  headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
} as const;

interface ChoiceState {
  prompt: number;
  /** Where the next token's text_offset starts (code points of the token strings so far). */
  offset: number;
  echoed: boolean;
  tokens: number;
  decoder: IncrementalDecoder;
}

/**
 * Streams `/v1/completions` as vLLM does (reference/wire-formats.md §1.10): one `text_completion`
 * chunk per generated token and choice (choices interleaved, `index = prompt * n + j`), every chunk
 * with all choice keys (`logprobs`, `finish_reason`, `stop_reason`, `prompt_token_ids`, `token_ids`)
 * and `"usage": null`; legacy logprobs per chunk with `text_offset` continuing across chunks (so they
 * equal the non-streaming offsets); with `echo` the first chunk of a choice carries the prompt text and
 * its logprobs; `prompt_token_ids` only on a choice's first chunk; a final `choices: []` usage chunk
 * with `stream_options.include_usage`; `data: [DONE]` last. Stops generating when the client leaves.
 *
 * @example
 * await streamCompletions(engine, planCompletion(engine, { prompt: "Hi", max_tokens: 5, stream: true, logprobs: 2 }), sse);
 */
export async function streamCompletions(engine: Engine, plan: CompletionPlan, sse: SseWriter): Promise<void> {
  const { tokenizer, model } = engine;
  const { request } = plan;
  const echo = request.echo === true;
  const continuous = request.stream_options?.continuous_usage_stats === true;
  const head = JSON.stringify({
    id: responseId("cmpl"),
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
  }).slice(0, -1);
  const states: ChoiceState[] = [];
  plan.prompts.forEach((_, p) => {
    for (let j = 0; j < plan.n; j++) {
      states.push({
        prompt: p,
        offset: 0,
        echoed: false,
        tokens: 0,
        decoder: new IncrementalDecoder(tokenizer),
      });
    }
  });

  const chunk = async (i: number, token: SampledToken | null) => {
    const state = states[i]!;
    const prompt = plan.prompts[state.prompt]!;
    const first = !state.echoed;
    state.echoed = true;
    let ids: number[] = [];
    let steps: (PositionQuery | null)[] = [];
    let text = "";
    if (echo && first) {
      ids = [...prompt.ids];
      steps = prompt.steps ? [...prompt.steps] : prompt.ids.map(() => null);
      text = prompt.echoText;
    }
    if (token) {
      state.tokens++;
      ids.push(token.id);
      steps.push(token.query);
      text += state.decoder.push(token.id) + (token.finish ? state.decoder.flush() : "");
    }
    let logprobs = "null";
    if (plan.sampleLogprobs !== null) {
      const legacy = legacyLogprobs(ids, steps, plan.sampleLogprobs, plan.text, state.offset);
      state.offset = legacy.end;
      logprobs = legacy.json;
    }
    const finish = token ? (token.finish ?? null) : "length";
    const usage = continuous
      ? `{"prompt_tokens":${prompt.ids.length},"total_tokens":${prompt.ids.length + state.tokens},"completion_tokens":${state.tokens},"prompt_tokens_details":null}`
      : "null";
    await sse.event(
      `${head},"choices":[{"index":${i},"text":${JSON.stringify(text)},"logprobs":${logprobs},` +
        `"finish_reason":${JSON.stringify(finish)},"stop_reason":null,` +
        `"prompt_token_ids":${request.return_token_ids && first ? JSON.stringify(prompt.ids) : "null"},` +
        `"token_ids":${request.return_token_ids ? JSON.stringify(token ? [token.id] : []) : "null"}}],"usage":${usage}}`,
    );
  };

  try {
    let completed = true;
    if (plan.budget === 0) {
      // echo with max_tokens 0: the prompt alone, one chunk per choice.
      for (let i = 0; i < states.length && !sse.closed; i++) await chunk(i, null);
      completed = !sse.closed;
    } else {
      const sources = states.map((state, i) =>
        sampleTokens(model, plan.prompts[state.prompt]!.ids, {
          maxTokens: plan.budget,
          temperature: plan.temperature,
          random: choiceRandom(plan.seed, i % plan.n, state.prompt),
          topK: plan.sampleLogprobs,
        }),
      );
      let finished = 0;
      const count = (i: number, token: SampledToken) => {
        if (token.finish) finished++;
        return chunk(i, token);
      };
      await interleave(sources, count, () => sse.cancelled);
      // Every choice ended: a shutdown that comes now cuts nothing.
      if (finished < states.length) sse.throwIfStopped();
      completed = finished === states.length && !sse.closed;
    }
    if (completed && request.stream_options?.include_usage) {
      const promptTokens = plan.prompts.reduce((sum, p) => sum + p.ids.length, 0);
      const completionTokens = states.reduce((sum, s) => sum + s.tokens, 0);
      await sse.event(
        `${head},"choices":[],"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens + completionTokens},"completion_tokens":${completionTokens}}}`,
      );
    }
  } catch (error) {
    await sse.event(streamErrorJson(error));
  }
  await sse.event("[DONE]");
  sse.end();
}
