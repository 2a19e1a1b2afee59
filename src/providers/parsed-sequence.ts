import type { RowWithoutOffsets } from "../core/assemble-text.js";
import type { TokenColumns } from "../core/token-columns.js";
import type { IdentificationMethod } from "../core/token-logprob.js";

/** The wire dialects logprob-lab reads. */
export type Dialect = "vllm-completions" | "openai-chat" | "tgi" | "devup" | "llamacpp" | "ollama";

/** What a provider parser hands to the core: the rows of one sequence, and where they came from. */
export interface ParsedSequence {
  /** Prompt positions (if any) then generated ones, in order, positions 0..n-1. */
  rows: RowWithoutOffsets[];
  /** How the actual prompt tokens were identified ("generated" when there are none). */
  method: IdentificationMethod;
  model: string | undefined;
  dialect: Dialect;
  /** Why generation stopped ("stop", "length", "eos_token", …), when the dialect says. */
  finishReason?: string | null;
  /** A captured stream that ended before its terminator: the rows it holds, nothing invented. */
  incomplete?: boolean;
  /** The same sequence as columns, when the parser built it so (then `rows` are made on first use). */
  columns?: TokenColumns;
}

/**
 * A `ParsedSequence` of columns: `rows` are built from them the first time they are read.
 *
 * @example
 * return columnSequence(columns, { method: "return_token_ids", model, dialect: "vllm-completions" });
 */
export function columnSequence(
  columns: TokenColumns,
  about: Omit<ParsedSequence, "rows" | "columns">,
): ParsedSequence {
  return new ColumnSequence(columns, about);
}

/**
 * A sequence that keeps columns. `rows` is an own, enumerable getter (the sequence compares and
 * prints like one that holds rows) defined with one shared descriptor, and `columns` a getter on
 * the prototype, so that every sequence has the same hidden class: an object literal given its
 * accessors one by one cost microseconds per text.
 */
class ColumnSequence implements ParsedSequence {
  declare readonly rows: RowWithoutOffsets[];
  method: IdentificationMethod;
  model: string | undefined;
  dialect: Dialect;
  declare finishReason?: string | null;
  declare incomplete?: boolean;
  readonly #columns: TokenColumns;
  #rows: RowWithoutOffsets[] | undefined;

  constructor(columns: TokenColumns, about: Omit<ParsedSequence, "rows" | "columns">) {
    this.method = about.method;
    this.model = about.model;
    this.dialect = about.dialect;
    if ("finishReason" in about) this.finishReason = about.finishReason;
    if ("incomplete" in about) this.incomplete = about.incomplete;
    this.#columns = columns;
    Object.defineProperty(this, "rows", ColumnSequence.#rowsProperty);
  }

  get columns(): TokenColumns {
    return this.#columns;
  }

  static readonly #rowsProperty: PropertyDescriptor = {
    get(this: ColumnSequence): RowWithoutOffsets[] {
      this.#rows ??= this.#columns.rows();
      return this.#rows;
    },
    enumerable: true,
    configurable: true,
  };
}

/**
 * An incremental parser for one dialect's stream. Feed it each event's payload, already decoded
 * (the JSON of an SSE `data:` field or of one NDJSON line); it returns the rows each event
 * completes. Error payloads throw `ServerError` carrying the server's message and the rows so far.
 */
export interface StreamParser {
  push(payload: unknown): RowWithoutOffsets[];
  /** True once the dialect's own terminal event has been seen (e.g. TGI's `generated_text`, Ollama's `done: true`). */
  readonly done: boolean;
  /** Everything received so far as one sequence. */
  result(): ParsedSequence;
}
