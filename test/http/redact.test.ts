import { describe, expect, it } from "vitest";
import { HttpStatusError, ServerError, UsageError } from "../../src/errors.js";
import { redact, redactDeep, registerSecret } from "../../src/http/redact.js";

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

describe("redact: encoded forms and registered keys", () => {
  const key = "sk-test-9f8e7d6c5b4a39281706";

  it("removes the key's URL-encoded, JSON-escaped and base64 forms at every alignment", () => {
    const odd = 'sk+key/with:odd"chars=1';
    for (const prefix of ["", "u", "us", "user:"]) {
      const b64 = Buffer.from(`${prefix}${key}`).toString("base64");
      const out = redact(`echo ${b64} and ${b64.replace(/\+/g, "-").replace(/\//g, "_")}`, key);
      // Whatever the alignment, none of the characters that encode the key itself is left.
      expect(out).not.toContain(b64.slice(8, 20));
      expect(out).toContain("[redacted]");
    }
    const text = `q=${encodeURIComponent(odd)} json=${JSON.stringify(odd)}`;
    expect(redact(text, odd)).toBe('q=[redacted] json="[redacted]"');
  });

  it("keeps JSON valid when a bearer credential is followed by an escaped quote", () => {
    const json = JSON.stringify({ error: { message: `header was Bearer "${key}"` } });
    expect(JSON.parse(redact(json, undefined)).error.message).toBe(`header was Bearer "${key}"`);
    expect(JSON.parse(redact(json, key)).error.message).toBe('header was Bearer "[redacted]"');
  });

  it("masks Basic credentials but not the word", () => {
    expect(redact("Authorization: Basic dXNlcjpwYXNzd29yZA==", undefined)).toBe(
      "Authorization: Basic [redacted]",
    );
    expect(redact("Basic auth is not supported", undefined)).toBe("Basic auth is not supported");
  });

  it("redacts every string of a JSON value, keys too", () => {
    expect(redactDeep({ [key]: [`x ${key}`, 3, null, { ok: true }] }, key)).toEqual({
      "[redacted]": ["x [redacted]", 3, null, { ok: true }],
    });
  });

  it("makes every logprob-lab error redact a registered key, whoever builds it", () => {
    const registered = `sk-registered-${Math.random().toString(36).slice(2)}`;
    expect(new ServerError({ serverMessage: `echo ${registered}` }).message).toContain(registered);
    registerSecret(registered);
    const error = new ServerError({ serverMessage: `echo ${registered}`, errorType: registered });
    expect(error.message).not.toContain(registered);
    expect(error.serverMessage).toBe("echo [redacted]");
    expect(error.errorType).toBe("[redacted]");
    const status = new HttpStatusError({
      status: 401,
      url: "u",
      serverMessage: registered,
      body: { k: registered },
    });
    expect(JSON.stringify(status)).not.toContain(registered);
    expect(new UsageError(`bad ${registered}`).message).toBe("bad [redacted]");
  });
});
