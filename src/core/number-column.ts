/*
 * Columns of numbers as the parsers and tables keep them: plain arrays when short, Float64Array when
 * long, NaN standing for null.
 */

/** A column of numbers as read: a plain or a typed array. */
export type NumberColumn = ArrayLike<number>;

/** A column of numbers being written: a Float64Array when long, a plain array when short. */
export type NumberArray = Float64Array | number[];

/**
 * A zeroed column of `length` numbers. Short ones are plain arrays: a typed array's separate backing
 * store costs more to make and to collect than a short column saves (a short text makes dozens).
 *
 * @example
 * const logprob = numberColumn(entries);
 */
export function numberColumn(length: number): NumberArray {
  return length > 512 ? new Float64Array(length) : DOUBLE_ZEROS.slice(0, length);
}

/**
 * Zeros in an array V8 keeps as packed, unboxed doubles (made with a fraction first: elements kinds
 * only widen), so that a column sliced from it is one too. A column filled with 0 starts as small
 * integers and is copied to doubles on its first NaN or fraction; one made with `new Array(n)` is
 * holey, and every number read from it is boxed on the heap (a hole would read as undefined).
 */
const DOUBLE_ZEROS: number[] = Array.from({ length: 512 }, () => 0.5).fill(0);

/**
 * The first `n` numbers of a column: a view of a typed one, the same array cut short otherwise.
 *
 * @example
 * fitted(numberColumn(capacity), count)
 */
export function fitted(column: NumberArray, n: number): NumberArray {
  if (column.length === n) return column;
  if (column instanceof Float64Array) return column.subarray(0, n);
  column.length = n;
  return column;
}

/**
 * NaN (a column's null) as null.
 *
 * @example
 * nullable(columns.alternatives.rank[0]) // 1, or null when the rank is unknown
 */
export function nullable(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : value;
}
