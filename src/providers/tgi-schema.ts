import { z } from "zod";
import { wireNumberSchema } from "./wire-number.js";

/**
 * Response side of Hugging Face TGI `/generate` + `/generate_stream`, and of the DEVUP / DeepInfra
 * native `/v1/inference/{model}` API that copies them (reference/wire-formats.md §3). Bodies are
 * validated once, at the boundary. The request side is in tgi-request-schema.ts and
 * devup-request-schema.ts.
 */

/** TGI serializes a NaN or -inf f32 logprob as `null` (position 0, prefix-cached positions, warped-out tokens). */
const wireLogprob = wireNumberSchema;

/** A generated token (also a `top_tokens` entry): `{id, text, logprob, special}`. */
export const tgiTokenSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  logprob: wireLogprob.optional(),
  special: z.boolean().optional(),
});

/** A prompt (prefill) token: no `special` flag; `text` is a per-token `batch_decode`. */
export const tgiPrefillTokenSchema = z.object({
  id: z.number().int(),
  text: z.string(),
  logprob: wireLogprob.optional(),
});

/** One generated sequence's details (`details` itself, or an entry of `best_of_sequences`). */
export const tgiSequenceDetailsSchema = z.object({
  generated_text: z.string().optional(),
  finish_reason: z.string(),
  generated_tokens: z.number().int(),
  seed: z.number().nullable().optional(),
  /** Empty unless `decoder_input_details` was asked for AND (TGI ≥ 3.0) the server runs with `--enable-prefill-logprobs`. */
  prefill: z.array(tgiPrefillTokenSchema).optional(),
  tokens: z.array(tgiTokenSchema),
  /** One list per generated token, most likely first; omitted on the wire when empty (`null` as the Python client records it). */
  top_tokens: z.array(z.array(tgiTokenSchema)).nullable().optional(),
});

/** `details` of a `/generate` body: the returned sequence plus the other `best_of` ones. */
export const tgiDetailsSchema = tgiSequenceDetailsSchema.extend({
  best_of_sequences: z.array(tgiSequenceDetailsSchema).nullable().optional(),
});

/** `POST /generate` response: `details` is omitted entirely unless `details` or `decoder_input_details` was asked for. */
export const tgiGenerateResponseSchema = z.object({
  generated_text: z.string(),
  details: tgiDetailsSchema.nullable().optional(),
});

/** The `details` of a stream's final event (only when `parameters.details` was true). */
export const tgiStreamDetailsSchema = z.object({
  finish_reason: z.string(),
  generated_tokens: z.number().int().optional(),
  seed: z.number().nullable().optional(),
  input_length: z.number().int().optional(),
});

/**
 * One `/generate_stream` event (`data:{…}`, no space) or one DEVUP / DeepInfra native event
 * (`data: {…}`, no `index`, no `top_tokens`). `generated_text` is non-null only on the last event.
 */
export const tgiStreamEventSchema = z.object({
  index: z.number().int().optional(),
  token: tgiTokenSchema.nullable().optional(),
  top_tokens: z.array(tgiTokenSchema).nullable().optional(),
  generated_text: z.string().nullable().optional(),
  details: tgiStreamDetailsSchema.nullable().optional(),
});

/**
 * DEVUP / DeepInfra native non-streaming response: text only, no token logprobs documented. The
 * embedded server adds TGI-style `details` to each result when asked (`details: true`, a
 * logprob-lab extension).
 */
export const deepInfraNativeResponseSchema = z.object({
  request_id: z.string().optional(),
  inference_status: z
    .object({
      status: z.string(),
      runtime_ms: z.number().optional(),
      cost: z.number().optional(),
      tokens_generated: z.number().optional(),
      tokens_input: z.number().optional(),
    })
    .optional(),
  results: z.array(
    z.object({ generated_text: z.string(), details: tgiSequenceDetailsSchema.nullable().optional() }),
  ),
  num_tokens: z.number().optional(),
  num_input_tokens: z.number().optional(),
});

export type TgiToken = z.infer<typeof tgiTokenSchema>;
export type TgiPrefillToken = z.infer<typeof tgiPrefillTokenSchema>;
export type TgiSequenceDetails = z.infer<typeof tgiSequenceDetailsSchema>;
export type TgiDetails = z.infer<typeof tgiDetailsSchema>;
export type TgiGenerateResponse = z.infer<typeof tgiGenerateResponseSchema>;
export type TgiStreamEvent = z.infer<typeof tgiStreamEventSchema>;
export type DeepInfraNativeResponse = z.infer<typeof deepInfraNativeResponseSchema>;
