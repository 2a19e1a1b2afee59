import { z } from "zod";
import { wireNumberSchema } from "./wire-number.js";

/**
 * Ollama native `/api/generate` and `/api/chat` wire types with `logprobs` (reference/wire-formats.md
 * §4.2; Ollama api/types.go). Keys are `omitempty`: absent when empty. No token ids anywhere.
 */

/** A top alternative: `{token, logprob, bytes?}`. */
export const ollamaTopLogprobSchema = z.object({
  token: z.string().optional(),
  logprob: wireNumberSchema.optional(),
  /** A re-encoding of `token`: a partial UTF-8 token shows as "�" with bytes [239, 191, 189]. */
  bytes: z.array(z.number().int().min(0).max(255)).nullable().optional(),
});

/** One generated token: `{token, logprob, bytes?, top_logprobs?}`. */
export const ollamaLogprobSchema = ollamaTopLogprobSchema.extend({
  top_logprobs: z.array(ollamaTopLogprobSchema).nullable().optional(),
});

/**
 * A `stream: false` body, or one NDJSON line of a stream (each line carries its own tokens'
 * logprobs; the last has `done: true`). `/api/generate` puts text in `response`, `/api/chat` in
 * `message.content`; thinking models add `thinking` / `message.thinking`.
 */
export const ollamaResponseSchema = z.object({
  model: z.string().optional(),
  created_at: z.string().optional(),
  response: z.string().optional(),
  thinking: z.string().optional(),
  message: z
    .object({
      role: z.string().optional(),
      content: z.string().optional(),
      thinking: z.string().optional(),
    })
    .optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
  logprobs: z.array(ollamaLogprobSchema).nullable().optional(),
  prompt_eval_count: z.number().int().optional(),
  eval_count: z.number().int().optional(),
});

const requestOptions = z.object({
  num_predict: z.number().int().optional(),
  temperature: z.number().min(0).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
});

/** `POST /api/generate` body (the fields logprob-lab sends); `stream` defaults to true on the server. */
export const ollamaGenerateRequestSchema = z.object({
  model: z.string(),
  prompt: z.string(),
  stream: z.boolean(),
  raw: z.boolean().optional(),
  logprobs: z.boolean(),
  top_logprobs: z.number().int().min(0).max(20).optional(),
  options: requestOptions.optional(),
});

/** A chat message as `/api/chat` takes it. */
export const ollamaMessageSchema = z.object({
  role: z.string(),
  content: z.string(),
});

/** `POST /api/chat` body (the fields logprob-lab sends). */
export const ollamaChatRequestSchema = z.object({
  model: z.string(),
  messages: z.array(ollamaMessageSchema),
  stream: z.boolean(),
  logprobs: z.boolean(),
  top_logprobs: z.number().int().min(0).max(20).optional(),
  options: requestOptions.optional(),
});

export type OllamaTopLogprob = z.infer<typeof ollamaTopLogprobSchema>;
export type OllamaLogprob = z.infer<typeof ollamaLogprobSchema>;
export type OllamaResponse = z.infer<typeof ollamaResponseSchema>;
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateRequestSchema>;
export type OllamaMessage = z.infer<typeof ollamaMessageSchema>;
export type OllamaChatRequest = z.infer<typeof ollamaChatRequestSchema>;
