import { z } from "zod";

/**
 * Request side of the DeepInfra-style "DEVUP native" API, `POST /v1/inference/{model}`
 * (reference/wire-formats.md §3.7): a singular `input` with flat parameters. Ranges follow
 * DeepInfra's published `TextGenerationIn` schema. `top_n_tokens` and `details` are logprob-lab
 * extensions borrowed from TGI (top alternatives per token; token details in the non-streaming body).
 *
 * @example
 * devupRequestSchema.parse({ input: "I have this dream", stream: true, max_new_tokens: 20 })
 */
export const devupRequestSchema = z.object({
  input: z.string(),
  stream: z.boolean().optional(),
  max_new_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
  temperature: z.number().min(0).max(100).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  min_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).lt(1000).optional(),
  repetition_penalty: z.number().min(0.01).max(5).optional(),
  stop: z.array(z.string()).max(16).optional(),
  num_responses: z.number().int().min(1).max(4).optional(),
  response_format: z.unknown().optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  user: z.string().optional(),
  seed: z.number().int().optional(),
  webhook: z.string().optional(),
  top_n_tokens: z.number().int().min(0).optional(),
  details: z.boolean().optional(),
});

/** @example const request: DevupRequest = { input: "I have this dream", stream: true }; */
export type DevupRequest = z.infer<typeof devupRequestSchema>;
