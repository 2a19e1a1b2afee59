import type { RowWithoutOffsets } from "./assemble-text.js";
import { fitted, type NumberArray, type NumberColumn, nullable, numberColumn } from "./number-column.js";
import type { Alternative } from "./token-logprob.js";

/**
 * A position's own fields: a row without its alternatives (those live in `AlternativeColumns`).
 * Its text offsets are set in place by `LogprobResult` (they follow from the tokens alone, so
 * setting them twice gives the same values); parsers start them at 0 so every row has one shape.
 */
export type PositionRow = Omit<RowWithoutOffsets, "alternatives"> & { charStart?: number; charEnd?: number };

/**
 * The reported alternatives of every position of a sequence, column by column: position i's are
 * entries `start[i]` to `start[i + 1] - 1`, most likely first. NaN stands for null in the number
 * columns (a token id, logprob or rank is never NaN otherwise).
 */
export interface AlternativeColumns {
  /** Entry offsets, one per position plus the end. */
  start: NumberColumn;
  tokenId: NumberColumn;
  token: string[];
  logprob: NumberColumn;
  rank: NumberColumn;
}

/**
 * A sequence as position rows plus alternative columns: what parsers of large bodies build instead
 * of one object per alternative (a 4,096-position top-20 body has 86,000 of them), and what
 * `LogprobResult` keeps. `rows()` gives the canonical rows when something needs them.
 *
 * @example
 * const columns = TokenColumns.fromRows(sequence.rows);
 * columns.alternativesAt(3)[0].token
 */
export class TokenColumns {
  /**
   * @param positions One row per position, without alternatives.
   * @param alternatives Their alternatives, as columns.
   * @param lists The alternatives as arrays when they already exist (rows converted to columns), reused by `rows()`.
   */
  constructor(
    readonly positions: readonly PositionRow[],
    readonly alternatives: AlternativeColumns,
    private readonly lists?: readonly Alternative[][],
  ) {}

  /**
   * Columns of canonical rows (their alternatives arrays are kept for `rows()`).
   *
   * @example
   * TokenColumns.fromRows(parseOpenAIChat(body).rows).positions.length
   */
  static fromRows(rows: readonly RowWithoutOffsets[]): TokenColumns {
    let total = 0;
    for (let i = 0; i < rows.length; i++) total += (rows[i] as RowWithoutOffsets).alternatives.length;
    const builder = new AlternativeColumnsBuilder(total);
    const positions: PositionRow[] = new Array(rows.length);
    const lists: Alternative[][] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as RowWithoutOffsets;
      positions[i] = positionOf(row);
      lists[i] = row.alternatives;
      for (const a of row.alternatives) builder.push(a.tokenId, a.token, a.logprob, a.rank);
      builder.endPosition();
    }
    return new TokenColumns(positions, builder.finish(), lists);
  }

  /**
   * The sequence of `parts` one after the other (positions as they are: callers number them).
   *
   * @example
   * TokenColumns.concat([prompt, generated])
   */
  static concat(parts: readonly TokenColumns[]): TokenColumns {
    if (parts.length === 1) return parts[0] as TokenColumns;
    const builder = new AlternativeColumnsBuilder(parts.reduce((n, p) => n + p.alternatives.token.length, 0));
    const positions: PositionRow[] = [];
    for (const part of parts) {
      const { start } = part.alternatives;
      for (let i = 0; i < part.positions.length; i++) {
        positions.push(part.positions[i] as PositionRow);
        builder.pushRange(part.alternatives, start[i] as number, start[i + 1] as number);
        builder.endPosition();
      }
    }
    return new TokenColumns(positions, builder.finish());
  }

  get length(): number {
    return this.positions.length;
  }

  /**
   * Position `i`'s alternatives as objects, most likely first (new objects each call, unless the
   * columns were made from rows).
   *
   * @example
   * columns.alternativesAt(1).map((a) => a.token)
   */
  alternativesAt(i: number): Alternative[] {
    const kept = this.lists?.[i];
    if (kept) return kept;
    const { start, tokenId, token, logprob, rank } = this.alternatives;
    const from = start[i] as number;
    const out: Alternative[] = new Array((start[i + 1] as number) - from);
    for (let j = 0; j < out.length; j++) {
      const at = from + j;
      out[j] = {
        tokenId: nullable(tokenId[at]),
        token: token[at] as string,
        logprob: nullable(logprob[at]),
        rank: nullable(rank[at]),
      };
    }
    return out;
  }

  /**
   * The canonical rows (each with its alternatives as objects).
   *
   * @example
   * columns.rows()[1].alternatives.length
   */
  rows(): RowWithoutOffsets[] {
    const out: RowWithoutOffsets[] = new Array(this.positions.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = withAlternatives(this.positions[i] as PositionRow, this.alternativesAt(i));
    }
    return out;
  }
}

/**
 * Collects alternative columns position by position: `push` each alternative of a position, most
 * likely first, then `endPosition()`; `finish()` once.
 *
 * @example
 * const b = new AlternativeColumnsBuilder();
 * b.push(791, "The", -2.4, 1); b.endPosition();
 * b.finish().token // ["The"]
 */
export class AlternativeColumnsBuilder {
  #count = 0;
  readonly #start: number[] = [0];
  #tokenId: NumberArray;
  #logprob: NumberArray;
  #rank: NumberArray;
  #token: string[];

  /** @param capacity How many alternatives will be pushed (the columns grow past it if need be). */
  constructor(capacity = 64) {
    this.#tokenId = numberColumn(capacity);
    this.#logprob = numberColumn(capacity);
    this.#rank = numberColumn(capacity);
    // Written by index, not pushed: a push into a large array of strings costs more than the rest.
    this.#token = new Array<string>(Math.max(1, capacity));
  }

  push(tokenId: number | null, token: string, logprob: number | null, rank: number | null): void {
    if (this.#count === this.#tokenId.length) this.#grow();
    const at = this.#count++;
    this.#tokenId[at] = tokenId ?? Number.NaN;
    this.#logprob[at] = logprob ?? Number.NaN;
    this.#rank[at] = rank ?? Number.NaN;
    this.#token[at] = token;
  }

  /** Pushes entries `first` to `end - 1` of other columns as they are (NaN stays NaN). */
  pushRange(from: AlternativeColumns, first: number, end: number): void {
    for (let at = first; at < end; at++) {
      this.push(
        from.tokenId[at] as number,
        from.token[at] as string,
        from.logprob[at] as number,
        from.rank[at] as number,
      );
    }
  }

  endPosition(): void {
    this.#start.push(this.#count);
  }

  finish(): AlternativeColumns {
    const n = this.#count;
    this.#token.length = n;
    return {
      start: this.#start,
      tokenId: fitted(this.#tokenId, n),
      token: this.#token,
      logprob: fitted(this.#logprob, n),
      rank: fitted(this.#rank, n),
    };
  }

  #grow(): void {
    const grown = (from: NumberArray) => {
      const to = numberColumn(Math.max(16, from.length * 2));
      for (let i = 0; i < from.length; i++) to[i] = from[i] as number;
      return to;
    };
    this.#tokenId = grown(this.#tokenId);
    this.#logprob = grown(this.#logprob);
    this.#rank = grown(this.#rank);
    this.#token.length = this.#tokenId.length;
  }
}

/**
 * Spelled out rather than spread: V8 runs `{ ...row }` many times slower, and this runs per
 * position. A field added to `TokenLogprob` must be added here too.
 */
function positionOf(row: RowWithoutOffsets): PositionRow {
  const out: PositionRow = {
    position: row.position,
    tokenId: row.tokenId,
    token: row.token,
    bytes: row.bytes,
    charStart: 0,
    charEnd: 0,
    logprob: row.logprob,
    rank: row.rank,
    rankCensored: row.rankCensored,
    rankBound: row.rankBound,
    topK: row.topK,
    isPrompt: row.isPrompt,
    special: row.special,
  };
  if ("contextTokens" in row) out.contextTokens = row.contextTokens;
  return out;
}

function withAlternatives(position: PositionRow, alternatives: Alternative[]): RowWithoutOffsets {
  const out: RowWithoutOffsets = {
    position: position.position,
    tokenId: position.tokenId,
    token: position.token,
    bytes: position.bytes,
    logprob: position.logprob,
    rank: position.rank,
    rankCensored: position.rankCensored,
    rankBound: position.rankBound,
    topK: position.topK,
    alternatives,
    isPrompt: position.isPrompt,
    special: position.special,
  };
  if ("contextTokens" in position) out.contextTokens = position.contextTokens;
  return out;
}
