import type { RowWithoutOffsets } from "../core/assemble-text.js";
import type { Dialect, ParsedSequence, StreamParser } from "./parsed-sequence.js";
import { throwIfServerError } from "./stream-error.js";

/** What one event of a generated-tokens stream adds. */
export interface StreamStep {
  rows: RowWithoutOffsets[];
  /** This event ends the stream (the dialect's own terminal event). */
  done: boolean;
  finishReason?: string | null;
  model?: string;
}

/**
 * The bookkeeping every generated-tokens stream parser shares: rows so far, the end (the dialect's
 * terminal event, or a pushed `"[DONE]"`, tolerated everywhere), events after the end ignored,
 * error payloads thrown as `ServerError` with the rows so far. `read` interprets one event.
 *
 * @example
 * new GeneratedStreamParser("tgi", "in the TGI stream", (event, rows) => ({ rows: [], done: true }))
 */
export class GeneratedStreamParser implements StreamParser {
  readonly #rows: RowWithoutOffsets[] = [];
  readonly #dialect: Dialect;
  readonly #where: string;
  readonly #read: (payload: unknown, rowsSoFar: number) => StreamStep;
  #done = false;
  #finishReason: string | null = null;
  #model: string | undefined;

  constructor(
    dialect: Dialect,
    where: string,
    read: (payload: unknown, rowsSoFar: number) => StreamStep,
    model?: string,
  ) {
    this.#dialect = dialect;
    this.#where = where;
    this.#read = read;
    this.#model = model;
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
    throwIfServerError(payload, this.#rows, this.#where);
    const step = this.#read(payload, this.#rows.length);
    this.#rows.push(...step.rows);
    this.#model = step.model ?? this.#model;
    if (step.done) {
      this.#done = true;
      this.#finishReason = step.finishReason ?? null;
    }
    return step.rows;
  }

  result(): ParsedSequence {
    return {
      rows: [...this.#rows],
      method: "generated",
      model: this.#model,
      dialect: this.#dialect,
      finishReason: this.#finishReason,
      ...(this.#done ? {} : { incomplete: true }),
    };
  }
}
