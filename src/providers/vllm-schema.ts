import { z } from "zod";
import { streamOptionsSchema } from "./chat-request-schema.js";

/**
 * vLLM `/v1/completions` wire types (reference/wire-formats.md §1), the single source of truth for
 * both the client's parser and the embedded server. Bodies are validated once, at the boundary.
 */

/** One `prompt_logprobs` dict value: `{logprob, rank, decoded_token}` (rank 1-based, may be null). */
export const vllmLogprobSchema = z.object({
  logprob: z.number().nullable(),
  rank: z.number().int().min(1).nullable().optional(),
  decoded_token: z.string().nullable().optional(),
});

/** `prompt_logprobs`: null at position 0, else `{ "<token id>": VllmLogprob }`. */
export const promptLogprobsSchema = z.array(z.record(z.string(), vllmLogprobSchema).nullable());

/** Legacy OpenAI completions `logprobs` arrays (also used by vLLM with `echo`). */
export const legacyLogprobsSchema = z.object({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(z.record(z.string(), z.number().nullable()).nullable()).nullable().optional(),
  text_offset: z.array(z.number()).nullable().optional(),
});

export const completionChoiceSchema = z.object({
  index: z.number().int(),
  text: z.string().nullable().optional(),
  logprobs: legacyLogprobsSchema.nullable().optional(),
  finish_reason: z.string().nullable().optional(),
  stop_reason: z.union([z.number(), z.string()]).nullable().optional(),
  prompt_logprobs: promptLogprobsSchema.nullable().optional(),
  prompt_token_ids: z.array(z.number().int()).nullable().optional(),
  token_ids: z.array(z.number().int()).nullable().optional(),
});

export const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int().nullable().optional(),
  total_tokens: z.number().int(),
});

export const completionResponseSchema = z.object({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(completionChoiceSchema).min(1),
  usage: usageSchema.nullable().optional(),
});

const tokenIds = z.array(z.number().int().min(0));

/** The request body of `POST /v1/completions` (the fields logprob-lab uses or serves). */
export const completionRequestSchema = z.object({
  model: z.string().nullable().optional(),
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds.min(1), z.array(tokenIds.min(1)).min(1)]),
  max_tokens: z.number().int().min(0).nullable().optional(),
  echo: z.boolean().optional(),
  logprobs: z.number().int().nullable().optional(),
  prompt_logprobs: z.number().int().nullable().optional(),
  return_token_ids: z.boolean().nullable().optional(),
  return_tokens_as_token_ids: z.boolean().nullable().optional(),
  temperature: z.number().min(0).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  n: z.number().int().min(1).optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: streamOptionsSchema.nullable().optional(),
  add_special_tokens: z.boolean().optional(),
});

export const tokenizeRequestSchema = z.object({
  model: z.string().nullable().optional(),
  prompt: z.string(),
  add_special_tokens: z.boolean().optional(),
  return_token_strs: z.boolean().optional(),
});

export const tokenizeResponseSchema = z.object({
  count: z.number().int(),
  max_model_len: z.number().int().optional(),
  tokens: z.array(z.number().int()),
  token_strs: z.array(z.string()).nullable().optional(),
});

export const detokenizeRequestSchema = z.object({
  model: z.string().nullable().optional(),
  tokens: tokenIds,
});

export type VllmLogprob = z.infer<typeof vllmLogprobSchema>;
export type CompletionChoice = z.infer<typeof completionChoiceSchema>;
export type CompletionResponse = z.infer<typeof completionResponseSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type LegacyLogprobs = z.infer<typeof legacyLogprobsSchema>;
export type TokenizeRequest = z.infer<typeof tokenizeRequestSchema>;
export type TokenizeResponse = z.infer<typeof tokenizeResponseSchema>;
