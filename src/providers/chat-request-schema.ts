import { z } from "zod";

/**
 * Request side of OpenAI-compatible chat completions as vLLM serves them (reference/wire-formats.md
 * §1.9, §2.1): the fields logprob-lab sends or the embedded server reads. Ranges are checked by the
 * server with vLLM's own messages, so the schema only fixes types. Unknown fields are kept, as vLLM
 * accepts (and ignores) them.
 */

/** `stream_options`: a final usage chunk, or usage on every chunk (vLLM). @example streamOptionsSchema.parse({ include_usage: true }) */
export const streamOptionsSchema = z.object({
  include_usage: z.boolean().nullable().optional(),
  continuous_usage_stats: z.boolean().nullable().optional(),
});

/** One content part; only `{"type": "text", "text": …}` is usable with a text-only model. @example chatContentPartSchema.parse({ type: "text", text: "Hi" }) */
export const chatContentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

/** A chat message: any role; content a string, a list of parts, or null (e.g. assistant tool calls). @example chatMessageSchema.parse({ role: "user", content: "Hi" }) */
export const chatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(chatContentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
});

/**
 * `POST /v1/chat/completions` body (OpenAI fields plus vLLM's extensions).
 *
 * @example
 * chatRequestSchema.parse({ messages: [{ role: "user", content: "Hi" }], logprobs: true, top_logprobs: 5 })
 */
export const chatRequestSchema = z.looseObject({
  messages: z.array(chatMessageSchema).min(1),
  model: z.string().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().nullable().optional(),
  max_tokens: z.number().int().nullable().optional(),
  max_completion_tokens: z.number().int().nullable().optional(),
  n: z.number().int().nullable().optional(),
  seed: z.number().int().nullable().optional(),
  temperature: z.number().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptionsSchema.nullable().optional(),
  // vLLM extensions
  prompt_logprobs: z.number().int().nullable().optional(),
  return_token_ids: z.boolean().nullable().optional(),
  return_tokens_as_token_ids: z.boolean().nullable().optional(),
  echo: z.boolean().optional(),
  add_generation_prompt: z.boolean().optional(),
  continue_final_message: z.boolean().optional(),
  add_special_tokens: z.boolean().optional(),
  chat_template: z.string().nullable().optional(),
});

/** @example const options: StreamOptions = { include_usage: true }; */
export type StreamOptions = z.infer<typeof streamOptionsSchema>;
/** @example const message: ChatMessage = { role: "user", content: "Hi" }; */
export type ChatMessage = z.infer<typeof chatMessageSchema>;
/** @example const request: ChatRequest = { messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }; */
export type ChatRequest = z.infer<typeof chatRequestSchema>;
