/**
 * LEB128 unsigned varints (7 bits per byte, low bits first) for the model file's integer streams:
 * small deltas and counts take one byte and gzip squeezes the rest.
 *
 * @example
 * const out = new VarintWriter(); out.write(300); out.bytes() // Uint8Array [172, 2]
 */
export class VarintWriter {
  private buffer = new Uint8Array(1024);
  private length = 0;

  write(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`varints hold integers in [0, 2^32), got ${value}`);
    }
    if (this.length + 5 > this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    while (value >= 0x80) {
      this.buffer[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buffer[this.length++] = value;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Reads varints from `bytes[offset, end)`; throws on a truncated or over-long value.
 *
 * @example
 * new VarintReader(Uint8Array.of(172, 2)).read() // 300
 */
export class VarintReader {
  private at: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
    private readonly end = bytes.length,
  ) {
    this.at = offset;
  }

  read(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.at >= this.end) throw new RangeError("varint stream ends in the middle of a value");
      const byte = this.bytes[this.at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (value > 0xffffffff) throw new RangeError("varint exceeds 32 bits");
        return value;
      }
      scale *= 128;
    }
    throw new RangeError("varint longer than 5 bytes");
  }

  /** True when every byte was consumed. */
  get done(): boolean {
    return this.at === this.end;
  }
}
