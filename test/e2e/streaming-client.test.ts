// lab.complete({ stream: true }) against composed loopback servers: cancellation, error events,
// streams that stop early.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { ServerError, TransportError } from "../../src/errors.js";
import { rejection } from "../fixtures/load.js";

const tokenEvent = (i: number, final = false) =>
  `data:${JSON.stringify({
    index: i,
    token: { id: 100 + i, text: ` t${i}`, logprob: -0.5, special: false },
    generated_text: final ? "done" : null,
    details: null,
  })}\n\n`;

let base = "";
const closed: string[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  // The mode is the path segment before /generate_stream: /m/<mode>/generate_stream.
  const mode = /^\/m\/([^/]+)\//.exec(req.url ?? "")?.[1] ?? "endless";
  req.socket.on("close", () => closed.push(String(mode)));
  res.writeHead(200, { "content-type": "text/event-stream" });
  let i = 0;
  const timer: NodeJS.Timeout = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    if (mode === "error" && i === 3) {
      res.write(
        `data:${JSON.stringify({ error: "Request failed during generation: out of memory", error_type: "generation" })}\n\n`,
      );
      clearInterval(timer);
      return res.end();
    }
    if (mode === "torn" && i === 3) {
      clearInterval(timer);
      return res.end(`data:{"index":3,"tok`);
    }
    res.write(tokenEvent(i++));
  }, 5);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** A lab whose requests carry a test mode header, so one composed server plays every part. */
function lab(mode: string) {
  return connect({ baseUrl: `${base}/m/${mode}`, provider: "tgi", model: "m" });
}

async function waitFor(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
}

describe("streaming through lab.complete", () => {
  it("breaking out of the loop cancels the request and closes the connection", async () => {
    const stream = lab("endless").complete("x", { stream: true, maxTokens: 1000 });
    const seen: string[] = [];
    for await (const token of stream) {
      seen.push(token.token);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([" t0", " t1", " t2"]);
    expect(await waitFor(() => closed.includes("endless"))).toBe(true);
    const error = await rejection(stream.result());
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("ABORTED");
  });

  it("an abort signal cancels it too", async () => {
    const controller = new AbortController();
    const stream = lab("aborted").complete("x", { stream: true, signal: controller.signal });
    let n = 0;
    const error = await rejection(
      (async () => {
        for await (const _ of stream) if (++n === 2) controller.abort();
      })(),
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(await waitFor(() => closed.includes("aborted"))).toBe(true);
  });

  it("an error event mid-stream throws ServerError with the tokens received before it", async () => {
    const error = await rejection(lab("error").complete("x", { stream: true }).result());
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toContain("out of memory");
    expect(error.errorType).toBe("generation");
    expect(error.partial.map((row: { token: string }) => row.token)).toEqual([" t0", " t1", " t2"]);
  });

  it("a live stream that closes before its final event is an error, not a short result", async () => {
    const error = await rejection(lab("torn").complete("x", { stream: true }).result());
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("INCOMPLETE_STREAM");
  });
});
