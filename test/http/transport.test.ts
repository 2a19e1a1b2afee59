import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpStatusError, ResponseShapeError, ServerError, TransportError } from "../../src/errors.js";
import { type StreamEvent, Transport } from "../../src/http/transport.js";
import { rejection } from "../fixtures/load.js";

// A composed loopback server: each path answers one way, counting hits.
const hits = new Map<string, number>();
let base = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const path = req.url ?? "";
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  if (path.startsWith("/v1/stream/")) return streamRoute(path, n, req, res);
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

/** A promise with its resolve function, for the server and the test to wait on each other. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

// What the streaming routes saw, and the gates the tests open for them.
const seen = { accept: "", authorization: "" };
let release = deferred();
let socketClosed = deferred();
let responseEnded = false;

function streamRoute(path: string, n: number, req: IncomingMessage, res: ServerResponse): void {
  seen.accept = String(req.headers.accept);
  seen.authorization = String(req.headers.authorization);
  const closed = socketClosed;
  req.socket.once("close", () => closed.resolve());
  const sse = () => res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const gate = release.promise;
  switch (path) {
    case "/v1/stream/two-parts": // writes, waits for the test to have the first event, writes again
      sse();
      responseEnded = false;
      res.write('data: {"n":1}\n\n');
      void gate.then(() => {
        res.end('event: last\ndata: {"n":2}\r\n\r\ndata: [DONE]\n\n');
        responseEnded = true;
      });
      return;
    case "/v1/stream/endless": {
      sse();
      let i = 0;
      const timer = setInterval(() => res.write(`data: ${i++}\n\n`), 5);
      res.write(": keep-alive\n\n");
      res.on("close", () => clearInterval(timer));
      return;
    }
    case "/v1/stream/flaky":
      if (n < 2) {
        res.writeHead(503, { "content-type": "application/json", "retry-after-ms": "5" });
        return void res.end(JSON.stringify({ error: { message: "busy" } }));
      }
      sse();
      return void res.end('data:{"ok":true}\n\n');
    case "/v1/stream/bad":
      res.writeHead(400, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: "top_logprobs must be <= 20", code: 400 } }));
    case "/v1/stream/echo-key":
      res.writeHead(401, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: `invalid key ${req.headers.authorization}` } }));
    case "/v1/stream/reset": // one event, then the connection drops mid-body once the test has it
      sse();
      res.write("data: 1\n\n");
      void gate.then(() => req.socket.destroy());
      return;
    case "/v1/stream/idle": // one event, then silence
      sse();
      return void res.write("data: 1\n\n");
    case "/v1/stream/steady": {
      // healthy but longer than timeoutMs in total: an event every 40 ms, 10 of them
      sse();
      let i = 0;
      const timer = setInterval(() => {
        res.write(`data: ${i++}\n\n`);
        if (i === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 40);
      return;
    }
    case "/v1/stream/torn": // ends cleanly (chunked terminator sent) in the middle of an event
      sse();
      res.write("data: a\n\n");
      return void res.end('data: {"b');
    case "/v1/stream/ndjson":
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('\uFEFF{"response":"caf');
      res.write('é"}\r');
      res.write('\n\n{"response":"日本"}\n{"done":tr');
      return void res.end("ue}");
    case "/v1/stream/json-error":
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ error: { message: "model is still loading" } }));
    case "/v1/stream/json-body":
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      return void res.end(JSON.stringify({ choices: [{ text: "Hi" }] }));
  }
  res.writeHead(404).end();
}

/** Every event of a stream, or the error it ended with next to the events before it. */
async function collect(stream: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error?: any }> {
  const events: StreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

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

describe("Transport.postStream", () => {
  it("yields events as they arrive, before the response has ended", async () => {
    release = deferred();
    const http = new Transport({ baseUrl: base, apiKey: "sk-stream-key" });
    const stream = http.postStream("/stream/two-parts", { stream: true }, { format: "sse" });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next(); // would hang if the body were buffered to its end
    expect(first.value).toEqual({ event: undefined, data: '{"n":1}', id: undefined });
    expect(responseEnded).toBe(false);
    expect(seen.accept).toBe("text/event-stream");
    expect(seen.authorization).toBe("Bearer sk-stream-key");
    release.resolve();
    const rest: StreamEvent[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest.map((e) => [e.event, e.data])).toEqual([
      ["last", '{"n":2}'],
      [undefined, "[DONE]"],
    ]);
    await http.close();
  });

  it("sends nothing until iteration starts", async () => {
    hits.delete("/v1/stream/flaky");
    const http = new Transport({ baseUrl: base });
    http.postStream("/stream/flaky", {}, { format: "sse" });
    await new Promise((r) => setTimeout(r, 20));
    expect(hits.get("/v1/stream/flaky")).toBeUndefined();
    await http.close();
  });

  it("closes the connection when the consumer breaks out of for-await", async () => {
    socketClosed = deferred();
    const http = new Transport({ baseUrl: base });
    const got: string[] = [];
    for await (const event of http.postStream("/stream/endless", {}, { format: "sse" })) {
      got.push(event.data);
      if (got.length === 3) break;
    }
    expect(got).toEqual(["0", "1", "2"]);
    await socketClosed.promise; // the server saw its socket close (the test times out otherwise)
    await http.close();
  });

  it("stops with ABORTED and closes the connection when the caller aborts", async () => {
    socketClosed = deferred();
    hits.delete("/v1/stream/endless");
    const http = new Transport({ baseUrl: base, maxRetries: 3 });
    const controller = new AbortController();
    const got: string[] = [];
    const { error } = await collect(
      (async function* () {
        for await (const event of http.postStream(
          "/stream/endless",
          {},
          { format: "sse", signal: controller.signal },
        )) {
          got.push(event.data);
          if (got.length === 2) controller.abort();
          yield event;
        }
      })(),
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("ABORTED");
    expect(got.slice(0, 2)).toEqual(["0", "1"]);
    await socketClosed.promise;
    expect(hits.get("/v1/stream/endless")).toBe(1); // no retry after the abort
    await http.close();
  });

  it("is ABORTED at once when the signal is already aborted", async () => {
    const http = new Transport({ baseUrl: base });
    const { error } = await collect(
      http.postStream("/stream/idle", {}, { format: "sse", signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("ABORTED");
    await http.close();
  });

  it("retries a 503 before streaming, honouring retry-after-ms", async () => {
    hits.delete("/v1/stream/flaky");
    const http = new Transport({ baseUrl: base, maxRetries: 2 });
    const { events, error } = await collect(http.postStream("/stream/flaky", {}, { format: "sse" }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.data)).toEqual(['{"ok":true}']);
    expect(hits.get("/v1/stream/flaky")).toBe(2);
    await http.close();
  });

  it("surfaces a 400's message as HttpStatusError without retrying", async () => {
    hits.delete("/v1/stream/bad");
    const http = new Transport({ baseUrl: base, maxRetries: 3 });
    const { events, error } = await collect(http.postStream("/stream/bad", {}, { format: "sse" }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe("top_logprobs must be <= 20");
    expect(hits.get("/v1/stream/bad")).toBe(1);
    await http.close();
  });

  it("never shows the key in a streaming request's errors", async () => {
    const key = "sk-stream-do-not-leak-98765";
    const http = new Transport({ baseUrl: base, apiKey: key });
    const { error } = await collect(http.postStream("/stream/echo-key", {}, { format: "sse" }));
    expect(error).toBeInstanceOf(HttpStatusError);
    for (const text of [error.message, JSON.stringify(error.body), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(key);
    }
    await http.close();
  });

  it("throws TransportError when the connection drops mid-stream, and does not retry", async () => {
    release = deferred();
    hits.delete("/v1/stream/reset");
    const http = new Transport({ baseUrl: base, maxRetries: 3 });
    const { events, error } = await collect(
      (async function* () {
        for await (const event of http.postStream("/stream/reset", {}, { format: "sse" })) {
          release.resolve();
          yield event;
        }
      })(),
    );
    expect(events.map((e) => e.data)).toEqual(["1"]);
    expect(error).toBeInstanceOf(TransportError);
    expect(["UND_ERR_SOCKET", "ECONNRESET"]).toContain(error.code);
    expect(hits.get("/v1/stream/reset")).toBe(1);
    await http.close();
  });

  it("times out a stream that goes idle with code TIMEOUT, after the events it did send", async () => {
    const http = new Transport({ baseUrl: base, timeoutMs: 200, maxRetries: 2 });
    const { events, error } = await collect(http.postStream("/stream/idle", {}, { format: "sse" }));
    expect(events.map((e) => e.data)).toEqual(["1"]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toMatch(/no data for 200 ms/);
    await http.close();
  });

  it("does not cut a healthy stream that lasts longer than timeoutMs", async () => {
    const http = new Transport({ baseUrl: base, timeoutMs: 250 });
    const { events, error } = await collect(http.postStream("/stream/steady", {}, { format: "sse" }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.data)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    await http.close();
  });

  it("yields the torn last event flagged unterminated when the body ends mid-event", async () => {
    const http = new Transport({ baseUrl: base });
    const { events, error } = await collect(http.postStream("/stream/torn", {}, { format: "sse" }));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { event: undefined, data: "a", id: undefined },
      { event: undefined, data: '{"b', id: undefined, unterminated: true },
    ]);
    await http.close();
  });

  it("streams NDJSON lines as { data }, the last unterminated one flagged", async () => {
    const http = new Transport({ baseUrl: base });
    const { events, error } = await collect(http.postStream("/stream/ndjson", {}, { format: "ndjson" }));
    expect(error).toBeUndefined();
    expect(seen.accept).toBe("application/x-ndjson");
    expect(events).toEqual([
      { data: '{"response":"café"}' },
      { data: '{"response":"日本"}' },
      { data: '{"done":true}', unterminated: true },
    ]);
    await http.close();
  });

  it("reports a 200 JSON answer to a stream request: the server's error, else a shape error", async () => {
    const http = new Transport({ baseUrl: base });
    const failed = await collect(http.postStream("/stream/json-error", {}, { format: "sse" }));
    expect(failed.error).toBeInstanceOf(ServerError);
    expect(failed.error.serverMessage).toBe("model is still loading");
    const plain = await collect(http.postStream("/stream/json-body", {}, { format: "sse" }));
    expect(plain.error).toBeInstanceOf(ResponseShapeError);
    expect(plain.error.message).toMatch(/stream: true/);
    await http.close();
  });
});
