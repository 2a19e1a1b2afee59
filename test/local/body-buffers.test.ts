import { describe, expect, it } from "vitest";
import { BodyBuffers } from "../../src/local/body-buffers.js";

// Identities compared as booleans: a failing toBe on two buffers would print a diff of MBs.
describe("BodyBuffers", () => {
  it("lends a buffer of at least the size asked, and lends it again once given back", () => {
    const pool = new BodyBuffers();
    const first = pool.take(300_000);
    expect(first.length).toBeGreaterThanOrEqual(300_000);
    expect(pool.take(300_000) === first).toBe(false);
    pool.give(first);
    expect(pool.take(100_000) === first).toBe(true);
    expect(pool.take(100_000) === first).toBe(false);
  });

  it("lends the smallest free buffer that fits", () => {
    const pool = new BodyBuffers();
    const small = pool.take(200_000);
    const large = pool.take(3_000_000);
    pool.give(large);
    pool.give(small);
    expect(pool.take(150_000) === small).toBe(true);
    expect(pool.take(150_000) === large).toBe(true);
  });

  it("holds on to at most `keep` buffers, the largest, and none above `largest`", () => {
    const pool = new BodyBuffers(2, 4 * 2 ** 20);
    const lent = [300_000, 600_000, 1_500_000].map((size) => pool.take(size));
    const huge = pool.take(5_000_000);
    for (const buffer of [...lent, huge]) pool.give(buffer);
    const again = [pool.take(1), pool.take(1), pool.take(1)];
    expect(again[0] === lent[1]).toBe(true);
    expect(again[1] === lent[2]).toBe(true);
    expect(again[2] === lent[0] || again[2] === huge).toBe(false);
  });
});
