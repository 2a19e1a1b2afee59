import { z } from "zod";
import { wireNumberSchema } from "./wire-number.js";

/**
 * llama.cpp `llama-server` native `POST /completion` wire types (reference/wire-formats.md §4.1).
 * `completion_probabilities` has three shapes: the current one with logprobs (default), the same
 * with probabilities when `post_sampling_probs: true`, and the pre-Dec-2024 `{content, probs}` one
 * (probabilities, no ids, no bytes).
 */

const bytes = z.array(z.number().int().min(0).max(255));

/** A top entry, current format: `{id, token, bytes, logprob}` (logprob floored at -3.4028234663852886e38 for p = 0). */
export const llamaCppTopLogprobSchema = z.object({
  id: z.number().int(),
  token: z.string(),
  bytes: bytes.nullable().optional(),
  logprob: wireNumberSchema,
});

/** A top entry with `post_sampling_probs: true`: `prob` in 0..1 instead of `logprob`. */
export const llamaCppTopProbSchema = z.object({
  id: z.number().int(),
  token: z.string(),
  bytes: bytes.nullable().optional(),
  prob: wireNumberSchema,
});

/** One generated token, current format. `token` is cut to its valid UTF-8 prefix; `bytes` are the raw piece. */
export const llamaCppTokenLogprobSchema = llamaCppTopLogprobSchema.extend({
  top_logprobs: z.array(llamaCppTopLogprobSchema).optional(),
});

/** One generated token with `post_sampling_probs: true`; `top_probs` may hold fewer than `n_probs`. */
export const llamaCppTokenProbSchema = llamaCppTopProbSchema.extend({
  top_probs: z.array(llamaCppTopProbSchema).optional(),
});

/** One generated token, pre-Dec-2024 format: `{content, probs: [{tok_str, prob}]}` (probabilities). */
export const llamaCppLegacyTokenSchema = z.object({
  content: z.string(),
  probs: z.array(z.object({ tok_str: z.string(), prob: wireNumberSchema })),
});

/** One `completion_probabilities` entry in any of the three shapes. */
export const llamaCppProbabilitySchema = z.union([
  llamaCppTokenLogprobSchema,
  llamaCppTokenProbSchema,
  llamaCppLegacyTokenSchema,
]);

/**
 * A `/completion` body, or one streamed event (`stop: false` partials carry the new token(s); the
 * final `stop: true` event carries the stop fields).
 */
export const llamaCppCompletionSchema = z.object({
  content: z.string().optional(),
  /** The README's response sample calls this array `probs`; servers send `completion_probabilities`. */
  completion_probabilities: z.array(llamaCppProbabilitySchema).nullable().optional(),
  probs: z.array(llamaCppProbabilitySchema).nullable().optional(),
  stop: z.boolean().optional(),
  model: z.string().optional(),
  /** "eos" | "word" | "limit" | "none" (current); older builds send the three booleans below. */
  stop_type: z.string().optional(),
  stopped_eos: z.boolean().optional(),
  stopped_word: z.boolean().optional(),
  stopped_limit: z.boolean().optional(),
  stopping_word: z.string().optional(),
  tokens: z.array(z.number().int()).optional(),
  tokens_predicted: z.number().int().optional(),
  tokens_evaluated: z.number().int().optional(),
  truncated: z.boolean().optional(),
});

/** The `POST /completion` request fields logprob-lab sends. */
export const llamaCppCompletionRequestSchema = z.object({
  prompt: z.union([z.string(), z.array(z.number().int().min(0)).min(1)]),
  n_predict: z.number().int(),
  n_probs: z.number().int().min(0),
  post_sampling_probs: z.boolean().optional(),
  cache_prompt: z.boolean().optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).optional(),
  seed: z.number().int().optional(),
  top_k: z.number().int().optional(),
  top_p: z.number().optional(),
  stop: z.array(z.string()).optional(),
});

export type LlamaCppTopLogprob = z.infer<typeof llamaCppTopLogprobSchema>;
export type LlamaCppTopProb = z.infer<typeof llamaCppTopProbSchema>;
export type LlamaCppTokenLogprob = z.infer<typeof llamaCppTokenLogprobSchema>;
export type LlamaCppTokenProb = z.infer<typeof llamaCppTokenProbSchema>;
export type LlamaCppLegacyToken = z.infer<typeof llamaCppLegacyTokenSchema>;
export type LlamaCppProbability = z.infer<typeof llamaCppProbabilitySchema>;
export type LlamaCppCompletion = z.infer<typeof llamaCppCompletionSchema>;
export type LlamaCppCompletionRequest = z.infer<typeof llamaCppCompletionRequestSchema>;
