/**
 * An arquero column (`length`, `at`, iteration, `toArray`) over a array of numbers whose NaN stands for
 * null: a table shares the parser's numbers instead of copying them into an array of its own.
 *
 * @example
 * aq.table({ logprob: new NullableColumn([-0.5, Number.NaN]) }).objects()
 * // [{ logprob: -0.5 }, { logprob: null }]
 */
export class NullableColumn {
  readonly length: number;
  readonly #values: ArrayLike<number>;

  constructor(values: ArrayLike<number>) {
    this.#values = values;
    this.length = values.length;
  }

  at(row: number): number | null {
    const value = this.#values[row] as number;
    return Number.isNaN(value) ? null : value;
  }

  toArray(): (number | null)[] {
    return Array.from(this);
  }

  *[Symbol.iterator](): Iterator<number | null> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/**
 * An arquero column of booleans held as a Uint8Array (0 or 1).
 *
 * @example
 * aq.table({ is_actual: new BooleanColumn(Uint8Array.of(1, 0)) }).objects()
 * // [{ is_actual: true }, { is_actual: false }]
 */
export class BooleanColumn {
  readonly length: number;
  readonly #values: Uint8Array;

  constructor(values: Uint8Array) {
    this.#values = values;
    this.length = values.length;
  }

  at(row: number): boolean {
    return this.#values[row] === 1;
  }

  toArray(): boolean[] {
    return Array.from(this);
  }

  *[Symbol.iterator](): Iterator<boolean> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}
