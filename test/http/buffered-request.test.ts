import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferedRequest, DeadlineExceeded } from "../../src/http/buffered-request.js";

// A composed loopback server: each path answers one way.
const closed: string[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const path = req.url ?? "";
  req.socket.once("close", () => closed.push(path));
  if (path === "/echo") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "x-seen": String(req.headers["x-test"]) });
      res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString() }));
    });
    return;
  }
  if (path === "/pieces?split=1") {
    // "é" and "日" split across writes: the text must be decoded from the joined bytes.
    const bytes = Buffer.from('\uFEFF{"text":"café 日本"}');
    res.writeHead(200, { "content-type": "application/json" });
    let at = 0;
    const step = () => {
      if (at >= bytes.length) return res.end();
      res.write(bytes.subarray(at, at + 3));
      at += 3;
      setImmediate(step);
    };
    return step();
  }
  if (path === "/busy") {
    res.writeHead(503, { "retry-after": "7" });
    return res.end("try later");
  }
  if (path === "/trickle") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.write('{"partial":'); // headers and a piece of the body, then silence
  }
  if (path === "/stall") return; // never answers
});
let base = "";
const agent = new Agent({ connections: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const init = { method: "POST" as const, headers: { "x-test": "yes" }, timeoutMs: 5000 };

describe("bufferedRequest", () => {
  it("sends the method, headers and body and reads the whole answer", async () => {
    const answer = await bufferedRequest(agent, `${base}/echo`, { ...init, body: '{"a":1}' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["x-seen"]).toBe("yes");
    expect(JSON.parse(answer.text)).toEqual({ method: "POST", body: '{"a":1}' });
  });

  it("joins a body that arrives in pieces before decoding it, dropping a byte-order mark", async () => {
    const answer = await bufferedRequest(agent, `${base}/pieces?split=1`, { ...init, method: "GET" });
    expect(answer.text).toBe('{"text":"café 日本"}');
  });

  it("returns a non-2xx answer with its headers and text for the caller to judge", async () => {
    const answer = await bufferedRequest(agent, `${base}/busy`, init);
    expect(answer).toMatchObject({ statusCode: 503, text: "try later" });
    expect(answer.headers["retry-after"]).toBe("7");
  });

  it("bounds headers and body together: a body that starts and then stalls misses the deadline", async () => {
    const error = await bufferedRequest(agent, `${base}/trickle`, { ...init, timeoutMs: 150 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(DeadlineExceeded);
    expect(error.message).toContain("150 ms");
    await expect.poll(() => closed.includes("/trickle")).toBe(true); // the connection was dropped
  });

  it("rejects with the signal's reason when aborted in flight, and frees the pool's one connection", async () => {
    const controller = new AbortController();
    const pending = bufferedRequest(agent, `${base}/stall`, { ...init, signal: controller.signal });
    // Queued behind the stalled request on the single connection: aborted before it ever starts.
    const queued = new AbortController();
    const waiting = bufferedRequest(agent, `${base}/echo`, { ...init, signal: queued.signal });
    queued.abort(new Error("not needed"));
    await expect(waiting).rejects.toThrow("not needed");
    controller.abort(new Error("user stop"));
    await expect(pending).rejects.toThrow("user stop");
    const after = await bufferedRequest(agent, `${base}/echo`, { ...init, body: "x" });
    expect(JSON.parse(after.text).body).toBe("x");
  });

  it("rejects at once when the signal is already aborted", async () => {
    const signal = AbortSignal.abort(new Error("too late"));
    await expect(bufferedRequest(agent, `${base}/echo`, { ...init, signal })).rejects.toThrow("too late");
  });

  it("rejects with undici's error when nothing listens", async () => {
    const error = await bufferedRequest(agent, "http://127.0.0.1:1/nothing", init).catch((e) => e);
    expect(error.code).toBe("ECONNREFUSED");
  });
});
