import { ResponseShapeError } from "../errors.js";
import { GeneratedStreamParser } from "./generated-stream-parser.js";
import { jsonPreview } from "./json-preview.js";
import type { StreamParser } from "./parsed-sequence.js";
import { tgiGeneratedRow } from "./tgi-rows.js";
import { tgiStreamEventSchema } from "./tgi-schema.js";
import { validate } from "./validate.js";

export interface TgiStreamOptions {
  /** The model the request named (TGI events do not say). */
  model?: string;
}

/**
 * The stream parser shared by TGI `/generate_stream` and the DEVUP / DeepInfra native stream: one
 * row per `token` event (alternatives from that event's `top_tokens`); the event whose
 * `generated_text` is non-null is the last (TGI sends no `[DONE]`; the DEVUP flavour's `[DONE]`,
 * if pushed as the string, also ends it). Error events throw `ServerError` with the rows so far.
 *
 * @example
 * const parser = tgiStyleStreamParser("tgi");
 * for (const event of events) parser.push(JSON.parse(event.data));
 * parser.done // true once generated_text arrived
 */
export function tgiStyleStreamParser(dialect: "tgi" | "devup", options: TgiStreamOptions = {}): StreamParser {
  const where = `in the ${dialect === "tgi" ? "TGI" : "DEVUP"} stream`;
  return new GeneratedStreamParser(
    dialect,
    where,
    (payload, seen) => {
      const event = validate(tgiStreamEventSchema, payload, dialect);
      const done = event.generated_text !== null && event.generated_text !== undefined;
      // Every event carries a token or ends the stream; one that does neither is no event of this
      // dialect, and skipping it would silently drop a token from the result.
      if (!event.token && !done)
        throw new ResponseShapeError(
          `an event ${where} has neither a token nor the final generated_text: ${jsonPreview(payload)}`,
          { dialect, path: "token" },
        );
      return {
        rows: event.token ? [tgiGeneratedRow(event.token, event.top_tokens, seen)] : [],
        done,
        finishReason: done ? (event.details?.finish_reason ?? null) : null,
      };
    },
    options.model,
  );
}

/**
 * A `StreamParser` for TGI `/generate_stream` events (`data:{…}`, no space; keep-alive comments and
 * the SSE framing are the caller's). TGI refuses `decoder_input_details` when streaming, so a
 * stream has generated rows only.
 *
 * @example
 * const parser = createTgiStreamParser();
 * parser.push({ index: 1, token: { id: 578, text: " le", logprob: -1.78, special: false }, generated_text: null, details: null });
 */
export function createTgiStreamParser(options: TgiStreamOptions = {}): StreamParser {
  return tgiStyleStreamParser("tgi", options);
}
