import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpStatusError, ResponseShapeError, TransportError } from "../../src/errors.js";
import { Transport } from "../../src/http/transport.js";
import { rejection } from "../fixtures/load.js";

// A composed loopback server: each path answers one way, counting hits.
const hits = new Map<string, number>();
let base = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const path = req.url ?? "";
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  if (path === "/v1/flaky")
    return n < 3
      ? json(503, { error: { message: "busy" } }, { "retry-after-ms": "5" })
      : json(200, { ok: n });
  if (path === "/v1/bad")
    return json(400, { error: { message: "bad prompt", type: "BadRequestError", code: 400 } });
  if (path === "/v1/echo-key")
    return json(401, { error: { message: `invalid key ${req.headers.authorization}` } });
  if (path === "/v1/stall") return; // never answers
  if (path === "/v1/html") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end("<html>oops</html>");
  }
  if (path === "/tokenize") return json(200, { root: true });
  json(404, { detail: "Not Found" });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("Transport", () => {
  it("retries 503 honouring retry-after-ms, then succeeds", async () => {
    const http = new Transport({ baseUrl: base, maxRetries: 3 });
    expect(await http.postJson("/flaky", {})).toEqual({ ok: 3 });
    await http.close();
  });

  it("gives up after its retry budget with the status and attempts", async () => {
    hits.delete("/v1/flaky");
    const http = new Transport({ baseUrl: base, maxRetries: 1 });
    const error = await rejection(http.postJson("/flaky", {}));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.status).toBe(503);
    expect(error.message).toContain("after 2 attempts");
    expect(hits.get("/v1/flaky")).toBe(2);
  });

  it("surfaces the server's message on a 400 without retrying", async () => {
    const http = new Transport({ baseUrl: base });
    const error = await rejection(http.postJson("/bad", {}));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe("bad prompt");
    expect(hits.get("/v1/bad")).toBe(1);
  });

  it("never shows the key, even when the server echoes it back", async () => {
    const key = "sk-test-do-not-leak-12345";
    const http = new Transport({ baseUrl: base, apiKey: key });
    const error = await rejection(http.postJson("/echo-key", {}));
    expect(error).toBeInstanceOf(HttpStatusError);
    for (const text of [
      error.message,
      error.serverMessage,
      JSON.stringify(error.body),
      inspect(error, { depth: 5 }),
      String(error.stack),
    ]) {
      expect(text).not.toContain(key);
    }
  });

  it("times out a stalled request with a TransportError", async () => {
    const http = new Transport({ baseUrl: base, timeoutMs: 200, maxRetries: 0 });
    const error = await rejection(http.postJson("/stall", {}));
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("TIMEOUT");
  });

  it("stops at once when the caller aborts", async () => {
    const http = new Transport({ baseUrl: base, maxRetries: 5 });
    const controller = new AbortController();
    const pending = rejection(http.postJson("/stall", {}, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const error = await pending;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("ABORTED");
  });

  it("reports a non-JSON 200 as a shape error and resolves root paths beside /v1", async () => {
    const http = new Transport({ baseUrl: base });
    await expect(http.getJson("/html")).rejects.toBeInstanceOf(ResponseShapeError);
    expect(await http.postJson("/tokenize", {}, { root: true })).toEqual({ root: true });
  });

  it("reports a refused connection with a hint", async () => {
    const http = new Transport({ baseUrl: "http://127.0.0.1:9/v1", maxRetries: 0 });
    const error = await rejection(http.getJson("/models"));
    expect(error).toBeInstanceOf(TransportError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
