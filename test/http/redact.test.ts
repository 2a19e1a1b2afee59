import { describe, expect, it } from "vitest";
import { redact } from "../../src/http/redact.js";

describe("redact", () => {
  it("removes the key wherever it appears, and any bearer credential", () => {
    const out = redact(
      '{"headers":{"authorization":"Bearer sk-secret-1"},"echo":"sk-secret-1"}',
      "sk-secret-1",
    );
    expect(out).not.toContain("sk-secret-1");
    expect(redact("Authorization: Bearer abc.def", undefined)).toBe("Authorization: Bearer [redacted]");
  });
});
