import type { RowWithoutOffsets } from "../core/assemble-text.js";
import type { ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { throwIfServerError } from "./stream-error.js";
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
 * const parser = new TgiStreamParser("tgi");
 * for (const event of events) parser.push(JSON.parse(event.data));
 * parser.done // true once generated_text arrived
 */
export class TgiStreamParser implements StreamParser {
  readonly #dialect: "tgi" | "devup";
  readonly #model: string | undefined;
  readonly #rows: RowWithoutOffsets[] = [];
  #done = false;
  #finishReason: string | null = null;

  constructor(dialect: "tgi" | "devup", options: TgiStreamOptions = {}) {
    this.#dialect = dialect;
    this.#model = options.model;
  }

  get done(): boolean {
    return this.#done;
  }

  push(payload: unknown): RowWithoutOffsets[] {
    if (this.#done) return [];
    if (payload === "[DONE]") {
      this.#done = true;
      return [];
    }
    throwIfServerError(payload, this.#rows, `in the ${this.#dialect === "tgi" ? "TGI" : "DEVUP"} stream`);
    const event = validate(tgiStreamEventSchema, payload, this.#dialect);
    const out: RowWithoutOffsets[] = [];
    if (event.token) {
      const row = tgiGeneratedRow(event.token, event.top_tokens, this.#rows.length);
      this.#rows.push(row);
      out.push(row);
    }
    if (event.generated_text !== null && event.generated_text !== undefined) {
      this.#done = true;
      this.#finishReason = event.details?.finish_reason ?? null;
    }
    return out;
  }

  result(): ParsedSequence {
    return {
      rows: [...this.#rows],
      method: "generated",
      model: this.#model,
      dialect: this.#dialect,
      finishReason: this.#finishReason,
      incomplete: !this.#done,
    };
  }
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
  return new TgiStreamParser("tgi", options);
}
