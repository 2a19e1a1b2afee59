import { z } from "zod";
import { promptLogprobsSchema, usageSchema } from "./vllm-schema.js";
import { wireNumberSchema } from "./wire-number.js";

/*
 * OpenAI-compatible `/v1/chat/completions` wire types (reference/wire-formats.md §1.9, §2.1, §2.2),
 * for OpenAI and vLLM alike: non-streamed responses and streamed `chat.completion.chunk`s (the
 * request side is chat-request-schema.ts). Only what logprob-lab reads is typed; other keys pass
 * validation and are dropped.
 */

/** A logprob as sent: a number (`-9999.0` is a sentinel; NaN/±Infinity from a tolerant parse), or null. */
const wireLogprob = wireNumberSchema;

/** Raw UTF-8 bytes of a token (OpenAI: exact; vLLM: the display string re-encoded). */
const tokenBytes = z.array(z.number().int().min(0).max(255)).nullable().optional();

/**
 * One entry of `top_logprobs`: `{token, logprob, bytes}`.
 *
 * @example
 * chatTopLogprobSchema.parse({ token: "Hi", logprob: -1.3, bytes: [72, 105] })
 */
export const chatTopLogprobSchema = z.object({
  token: z.string(),
  logprob: wireLogprob,
  bytes: tokenBytes,
});

/**
 * One generated position of `logprobs.content`: the sampled token and the reported alternatives.
 * OpenAI's alternatives are the top-k, most likely first; vLLM's start with the sampled token.
 *
 * @example
 * chatTokenLogprobSchema.parse({ token: "Hello", logprob: -0.3, bytes: [72, 101, 108, 108, 111], top_logprobs: [] })
 */
export const chatTokenLogprobSchema = chatTopLogprobSchema.extend({
  top_logprobs: z.array(chatTopLogprobSchema).nullable().optional(),
});

/**
 * `choices[].logprobs`: `content` for the message, and on OpenAI `refusal` for a refusal message
 * (the key is always present on OpenAI, even as null; vLLM never sends it).
 *
 * @example
 * chatLogprobsSchema.parse({ content: [], refusal: null })
 */
export const chatLogprobsSchema = z.object({
  content: z.array(chatTokenLogprobSchema).nullable().optional(),
  refusal: z.array(chatTokenLogprobSchema).nullable().optional(),
});

const tokenIds = z.array(z.number().int().min(0));
const stopReason = z.union([z.number(), z.string()]).nullable().optional();

/**
 * A choice of a non-streamed chat completion; vLLM adds `stop_reason` and, with
 * `return_token_ids`, the generated `token_ids`.
 *
 * @example
 * chatChoiceSchema.parse({ index: 0, message: { role: "assistant", content: "Hi" }, logprobs: null, finish_reason: "stop" })
 */
export const chatChoiceSchema = z.object({
  index: z.number().int(),
  message: z
    .object({
      role: z.string().nullable().optional(),
      content: z.string().nullable().optional(),
      refusal: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  logprobs: chatLogprobsSchema.nullable().optional(),
  finish_reason: z.string().nullable().optional(),
  stop_reason: stopReason,
  token_ids: tokenIds.nullable().optional(),
});

/**
 * A non-streamed chat completion. vLLM may add top-level `prompt_logprobs` (for the whole templated
 * prompt, not per choice) and `prompt_token_ids`.
 *
 * @example
 * chatResponseSchema.parse({ model: "gpt-4o-mini", choices: [{ index: 0, logprobs: null }] })
 */
export const chatResponseSchema = z.object({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(chatChoiceSchema).min(1),
  usage: usageSchema.nullable().optional(),
  prompt_logprobs: promptLogprobsSchema.nullable().optional(),
  prompt_token_ids: tokenIds.nullable().optional(),
});

/**
 * A choice of one streamed chunk: a `delta` (the first is usually role-only) and the logprobs of the
 * tokens of that delta.
 *
 * @example
 * chatChunkChoiceSchema.parse({ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null })
 */
export const chatChunkChoiceSchema = chatChoiceSchema.omit({ message: true }).extend({
  delta: chatChoiceSchema.shape.message,
});

/**
 * One `chat.completion.chunk`. The extra last chunk asked for by `stream_options.include_usage`
 * has `choices: []` and `usage` set.
 *
 * @example
 * chatChunkSchema.parse({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })
 */
export const chatChunkSchema = z.object({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(chatChunkChoiceSchema),
  usage: usageSchema.nullable().optional(),
  prompt_token_ids: tokenIds.nullable().optional(),
});

/**
 * One alternative of `top_logprobs`.
 *
 * @example
 * const alt: ChatTopLogprob = { token: "Hi", logprob: -1.3, bytes: [72, 105] };
 */
export type ChatTopLogprob = z.infer<typeof chatTopLogprobSchema>;

/**
 * One generated position of `logprobs.content`.
 *
 * @example
 * const entry: ChatTokenLogprob = { token: "Hi", logprob: -1.3, bytes: [72, 105], top_logprobs: [] };
 */
export type ChatTokenLogprob = z.infer<typeof chatTokenLogprobSchema>;

/**
 * `choices[].logprobs` of a chat completion or chunk.
 *
 * @example
 * const lp: ChatLogprobs = { content: [], refusal: null };
 */
export type ChatLogprobs = z.infer<typeof chatLogprobsSchema>;

/**
 * A choice of a non-streamed chat completion.
 *
 * @example
 * const choice: ChatChoice = chatResponseSchema.parse(body).choices[0];
 */
export type ChatChoice = z.infer<typeof chatChoiceSchema>;

/**
 * A validated non-streamed chat completion.
 *
 * @example
 * const response: ChatResponse = chatResponseSchema.parse(body);
 */
export type ChatResponse = z.infer<typeof chatResponseSchema>;

/**
 * A choice of one streamed chunk.
 *
 * @example
 * const choice: ChatChunkChoice = chatChunkSchema.parse(chunk).choices[0];
 */
export type ChatChunkChoice = z.infer<typeof chatChunkChoiceSchema>;

/**
 * A validated `chat.completion.chunk`.
 *
 * @example
 * const chunk: ChatChunk = chatChunkSchema.parse(JSON.parse(data));
 */
export type ChatChunk = z.infer<typeof chatChunkSchema>;
