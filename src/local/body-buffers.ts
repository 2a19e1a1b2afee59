/**
 * Reusable buffers for the bytes of large response bodies. A body written as a string makes Node
 * allocate fresh memory for its bytes on every answer, and above 128 KB the C library maps new
 * pages that the kernel must fault in: with top-20 prompt logprobs (~1.5 KB a position) that was a
 * quarter of the server's time. A buffer is lent for one response and comes back when it closes
 * (its bytes have then gone to the socket, or been dropped with the connection).
 *
 * @example
 * const pool = new BodyBuffers();
 * const buffer = pool.take(200_000); // … write, send …
 * pool.give(buffer);
 */
export class BodyBuffers {
  readonly #free: Buffer[] = [];

  /**
   * @param keep How many free buffers to hold on to.
   * @param largest The largest buffer to hold on to (bytes); larger ones are left to the collector.
   */
  constructor(
    private readonly keep = 4,
    private readonly largest = 16 * 2 ** 20,
  ) {}

  /** A buffer of at least `size` bytes: the smallest free one that fits, else a new one. */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const length = (this.#free[i] as Buffer).length;
      if (length >= size && (best < 0 || length < (this.#free[best] as Buffer).length)) best = i;
    }
    if (best >= 0) return this.#free.splice(best, 1)[0] as Buffer;
    // Powers of two from 256 KB, so that bodies of similar size share buffers.
    let capacity = 2 ** 18;
    while (capacity < size) capacity *= 2;
    return Buffer.allocUnsafeSlow(capacity);
  }

  /** Gives a buffer back once nothing reads it any more. */
  give(buffer: Buffer): void {
    if (buffer.length > this.largest) return;
    this.#free.push(buffer);
    // Past `keep`, drop the smallest: the large ones are the expensive ones to make.
    if (this.#free.length > this.keep) {
      this.#free.sort((a, b) => b.length - a.length);
      this.#free.length = this.keep;
    }
  }
}
