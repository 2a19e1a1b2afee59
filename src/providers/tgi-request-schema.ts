import { z } from "zod";

/**
 * Request side of Hugging Face TGI `POST /generate`, `POST /generate_stream` and `POST /`
 * (reference/wire-formats.md §3.1; router/src/lib.rs `GenerateParameters`). Types as serde reads them:
 * `Option<…>` fields take null, plain `bool` fields do not. Ranges are checked by the server with
 * TGI's messages (router/src/validation.rs).
 */

/** `parameters` of a generate request. @example tgiParametersSchema.parse({ details: true, top_n_tokens: 5, max_new_tokens: 20 }) */
export const tgiParametersSchema = z.object({
  best_of: z.number().int().min(0).nullable().optional(),
  temperature: z.number().nullable().optional(),
  repetition_penalty: z.number().nullable().optional(),
  frequency_penalty: z.number().nullable().optional(),
  top_k: z.number().int().nullable().optional(),
  top_p: z.number().nullable().optional(),
  typical_p: z.number().nullable().optional(),
  do_sample: z.boolean().optional(),
  max_new_tokens: z.number().int().min(0).nullable().optional(),
  return_full_text: z.boolean().nullable().optional(),
  stop: z.array(z.string()).optional(),
  truncate: z.number().int().min(0).nullable().optional(),
  watermark: z.boolean().optional(),
  details: z.boolean().optional(),
  decoder_input_details: z.boolean().optional(),
  seed: z.number().int().min(0).nullable().optional(),
  top_n_tokens: z.number().int().min(0).nullable().optional(),
  grammar: z.unknown().optional(),
  adapter_id: z.string().nullable().optional(),
});

/** `{ inputs, parameters }`; `stream` only on the compat route `POST /`. @example tgiGenerateRequestSchema.parse({ inputs: "Hi", parameters: { decoder_input_details: true } }) */
export const tgiGenerateRequestSchema = z.object({
  inputs: z.string(),
  parameters: tgiParametersSchema.optional(),
  stream: z.boolean().optional(),
});

/** @example const parameters: TgiParameters = { details: true, max_new_tokens: 4 }; */
export type TgiParameters = z.infer<typeof tgiParametersSchema>;
/** @example const request: TgiGenerateRequest = { inputs: "Hi", parameters: { details: true } }; */
export type TgiGenerateRequest = z.infer<typeof tgiGenerateRequestSchema>;
