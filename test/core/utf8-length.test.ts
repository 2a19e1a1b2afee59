import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Length } from "../../src/core/utf8-length.js";

describe("utf8Length", () => {
  it("counts what TextEncoder writes: ASCII, 2- and 3-byte characters, pairs and lone surrogates", () => {
    expect(utf8Length("")).toBe(0);
    expect(utf8Length("a")).toBe(1);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😊")).toBe(4);
    expect(utf8Length("\uD83D")).toBe(3);
    expect(utf8Length("\uDE0A\uD83D")).toBe(6);
  });

  it("equals TextEncoder's byte count on arbitrary UTF-16 strings, surrogates included", () => {
    const encoder = new TextEncoder();
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd7f0, max: 0xe010 }));
    const text = fc.array(unit, { maxLength: 40 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(text, (t) => {
        expect(utf8Length(t)).toBe(encoder.encode(t).length);
      }),
      { numRuns: 500 },
    );
  });
});
