import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { detectProvider, resolveEndpoint } from "../../src/client/endpoint-config.js";
import { UsageError } from "../../src/errors.js";

describe("connect", () => {
  it("rejects options it cannot use, saying what to pass", () => {
    expect(() => connect({ baseUrl: "localhost:8000" })).toThrowError(/baseUrl must be an http\(s\) URL/);
    expect(() => connect({ provider: "bogus" as never })).toThrowError(UsageError);
    expect(() => connect({ timeoutMs: 0 })).toThrowError(/timeoutMs/);
    expect(() => connect({ maxRetries: 1.5 })).toThrowError(/maxRetries/);
  });

  it("sends nothing until the first request", () => {
    expect(() => connect({ baseUrl: "http://127.0.0.1:9/v1" })).not.toThrow();
  });
});

describe("resolveEndpoint", () => {
  it("takes explicit options over the environment", () => {
    const env = { ACS_API_BASE: "http://acs/v1", ACS_API_KEY: "k" };
    expect(resolveEndpoint({ baseUrl: "http://other/v1", apiKey: "x" }, env)).toMatchObject({
      provider: "vllm",
      baseUrl: "http://other/v1",
      apiKey: "x",
    });
  });

  it("reads the ACS, DEVUP and OpenAI variable families, in that order", () => {
    expect(
      resolveEndpoint({}, { ACS_API_BASE: "http://acs/v1", ACS_API_KEY: "a", ACS_MODEL: "llama-8b" }),
    ).toMatchObject({
      provider: "vllm",
      baseUrl: "http://acs/v1",
      apiKey: "a",
      model: "llama-8b",
    });
    expect(resolveEndpoint({}, { DEVUP_API_KEY: "d" })).toMatchObject({
      provider: "devup",
      baseUrl: "https://api.devupai.com",
      apiKey: "d",
    });
    expect(resolveEndpoint({}, { OPENAI_API_KEY: "o" })).toMatchObject({
      provider: "openai",
      baseUrl: "https://api.openai.com/v1",
      apiKey: "o",
    });
    expect(resolveEndpoint({}, { OPENAI_API_KEY: "o", ACS_API_BASE: "http://acs/v1" }).provider).toBe("vllm");
  });

  it("uses the embedded model when nothing is configured, and a provider's own variables when named", () => {
    expect(resolveEndpoint({}, {})).toMatchObject({
      provider: "vllm",
      baseUrl: undefined,
      source: "embedded",
    });
    expect(
      resolveEndpoint({ provider: "openai" }, { ACS_API_BASE: "http://acs/v1", OPENAI_API_KEY: "o" }),
    ).toMatchObject({
      provider: "openai",
      apiKey: "o",
    });
  });

  it("names the variable that holds a bad URL", () => {
    expect(() => resolveEndpoint({}, { ACS_API_BASE: "acs.example" })).toThrowError(
      /ACS_API_BASE must be an http/,
    );
  });
});

describe("detectProvider", () => {
  it.each([
    ["https://api.deepinfra.com/v1/inference", "devup"],
    ["https://api.devupai.com", "devup"],
    ["http://127.0.0.1:11434", "ollama"],
    ["http://box/api", "ollama"],
    ["https://api.openai.com/v1", "openai"],
    ["http://127.0.0.1:8000/v1", "vllm"],
  ])("%s → %s", (url, provider) => {
    expect(detectProvider(url)).toBe(provider);
  });
});
