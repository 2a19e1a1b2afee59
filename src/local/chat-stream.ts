import type { ChatPlan } from "./chat-completions.js";
import { chatLogprobEntry } from "./chat-logprobs.js";
import type { Engine } from "./engine-types.js";
import { IncrementalDecoder } from "./incremental-decoder.js";
import { choiceRandom, interleave, sampleTokens } from "./sampling-loop.js";
import type { SseWriter } from "./sse-writer.js";
import { responseId, streamErrorJson } from "./vllm-json.js";

/**
 * Streams a chat completion as vLLM does (reference/wire-formats.md §1.10, §2.2): for each choice a
 * role-only first chunk (`delta: {"role": "assistant", "content": ""}`, carrying
 * `prompt_token_ids` at top level), an echo chunk with `echo`, then one `chat.completion.chunk` per
 * generated token with `choices[].logprobs.content` holding that token (choices interleaved); the
 * last chunk of a choice has `finish_reason` and `stop_reason`. With `stream_options.include_usage`
 * a final chunk has `choices: []` and `usage`; then `data: [DONE]`. Stops generating when the client
 * disconnects.
 *
 * @example
 * await streamChat(engine, planChat(engine, { messages, stream: true, logprobs: true }), new SseWriter(res, VLLM_SSE));
 */
export async function streamChat(engine: Engine, plan: ChatPlan, sse: SseWriter): Promise<void> {
  const { tokenizer, model } = engine;
  const { request } = plan;
  const asIds = request.return_tokens_as_token_ids === true;
  const continuous = request.stream_options?.continuous_usage_stats === true;
  const head = JSON.stringify({
    id: responseId("chatcmpl"),
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
  }).slice(0, -1);
  const prompt = plan.ids.length;
  const counts = new Array<number>(plan.n).fill(0);
  const usage = (completion: number) =>
    `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion}}`;
  const usageField = (i: number) => (continuous ? `,"usage":${usage(counts[i]!)}` : "");
  try {
    for (let i = 0; i < plan.n; i++) {
      const ids = request.return_token_ids ? JSON.stringify(plan.ids) : "null";
      await sse.event(
        `${head},"choices":[{"index":${i},"delta":{"role":${JSON.stringify(plan.role)},"content":""},"logprobs":null,"finish_reason":null}]${usageField(i)},"prompt_token_ids":${ids}}`,
      );
    }
    if (plan.echoContent) {
      for (let i = 0; i < plan.n; i++) {
        await sse.event(
          `${head},"choices":[{"index":${i},"delta":{"content":${JSON.stringify(plan.echoContent)}},"logprobs":null,"finish_reason":null}]${usageField(i)}}`,
        );
      }
    }
    const decoders = counts.map(() => new IncrementalDecoder(tokenizer));
    const sources = counts.map((_, j) =>
      sampleTokens(model, plan.ids, {
        maxTokens: plan.maxTokens,
        temperature: plan.temperature,
        random: choiceRandom(plan.seed, j),
        topK: plan.topLogprobs,
      }),
    );
    let finished = 0;
    await interleave(
      sources,
      async (i, token) => {
        counts[i]!++;
        if (token.finish) finished++;
        const decoder = decoders[i]!;
        const delta = decoder.push(token.id) + (token.finish ? decoder.flush() : "");
        const logprobs =
          plan.topLogprobs === null
            ? "null"
            : `{"content":[${chatLogprobEntry(tokenizer, token.id, token.query!, plan.topLogprobs, asIds)}]}`;
        const finish = token.finish ? `${JSON.stringify(token.finish)},"stop_reason":null` : "null";
        const tokenIds = request.return_token_ids ? `[${token.id}]` : "null";
        await sse.event(
          `${head},"choices":[{"index":${i},"delta":{"content":${JSON.stringify(delta)}},"logprobs":${logprobs},"finish_reason":${finish},"token_ids":${tokenIds}}]${usageField(i)}}`,
        );
      },
      () => sse.cancelled,
    );
    // Every choice ended: a shutdown that comes now cuts nothing.
    if (finished < plan.n) sse.throwIfStopped();
    if (finished === plan.n && !sse.closed && request.stream_options?.include_usage) {
      await sse.event(`${head},"choices":[],"usage":${usage(counts.reduce((a, b) => a + b, 0))}}`);
    }
  } catch (error) {
    await sse.event(streamErrorJson(error));
  }
  await sse.event("[DONE]");
  sse.end();
}
