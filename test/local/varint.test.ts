import { describe, expect, it } from "vitest";
import { VarintReader, VarintWriter } from "../../src/local/varint.js";

describe("varints", () => {
  it("round-trips the edges of every byte length", () => {
    const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1];
    const out = new VarintWriter();
    for (let i = 0; i < 400; i++) out.write(values[i % values.length]);
    const bytes = out.bytes();
    const reader = new VarintReader(bytes);
    for (let i = 0; i < 400; i++) expect(reader.read()).toBe(values[i % values.length]);
    expect(reader.done).toBe(true);
  });

  it("encodes 300 as LEB128", () => {
    const out = new VarintWriter();
    out.write(300);
    expect(Array.from(out.bytes())).toEqual([172, 2]);
  });

  it("refuses values it cannot hold and streams that stop mid-value", () => {
    expect(() => new VarintWriter().write(-1)).toThrow(RangeError);
    expect(() => new VarintWriter().write(2 ** 32)).toThrow(RangeError);
    expect(() => new VarintReader(Uint8Array.of(0x80)).read()).toThrow(/ends in the middle/);
    expect(() => new VarintReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)).read()).toThrow(/32 bits/);
    expect(() => new VarintReader(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).read()).toThrow(
      /longer/,
    );
  });

  it("reads only its own window of a shared buffer", () => {
    const reader = new VarintReader(Uint8Array.of(5, 6, 7), 1, 2);
    expect(reader.read()).toBe(6);
    expect(reader.done).toBe(true);
    expect(() => reader.read()).toThrow(RangeError);
  });
});
