import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { UsageError } from "../../src/errors.js";

describe("connect", () => {
  it("rejects options it cannot use, saying what to pass", () => {
    expect(() => connect({ baseUrl: "localhost:8000" })).toThrowError(/baseUrl must be an http\(s\) URL/);
    expect(() => connect({ provider: "tgi" as never })).toThrowError(UsageError);
    expect(() => connect({ timeoutMs: 0 })).toThrowError(/timeoutMs/);
    expect(() => connect({ maxRetries: 1.5 })).toThrowError(/maxRetries/);
  });

  it("sends nothing until the first request", () => {
    expect(() => connect({ baseUrl: "http://127.0.0.1:9/v1" })).not.toThrow();
  });
});
