import { describe, expect, it } from "vitest";
import { isRetryableStatus, retryDelayMs } from "../../src/http/retry-delay.js";

describe("retryDelayMs", () => {
  it("honours retry-after-ms before Retry-After", () => {
    expect(retryDelayMs(0, { "retry-after-ms": "150", "retry-after": "9" })).toBe(150);
  });
  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryDelayMs(3, { "retry-after": "2" })).toBe(2000);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    const ms = retryDelayMs(0, { "retry-after": inFive });
    expect(ms).toBeGreaterThan(3000);
    expect(ms).toBeLessThanOrEqual(5000);
  });
  it("backs off exponentially with jitter otherwise, capped", () => {
    expect(retryDelayMs(0, {}, () => 0.5)).toBe(500);
    expect(retryDelayMs(2, {}, () => 0.5)).toBe(2000);
    expect(retryDelayMs(20, {}, () => 0.5)).toBe(8000);
  });
  it("retries timeouts, conflicts, rate limits and server errors only", () => {
    expect([408, 409, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});
