import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/connect.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";

const engine = embeddedEngine();

/** A vLLM completions server answered by the embedded engine, that keeps track of its open sockets. */
let server: Server;
const sockets = new Set<Socket>();
let socketClosed: () => void = () => {};
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body =
        req.url === "/v1/completions"
          ? completionsResponse(engine, JSON.parse(`${Buffer.concat(chunks)}`))
          : "{}";
      res.writeHead(req.url === "/v1/completions" ? 200 : 404, { "content-type": "application/json" });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 600_000; // only the client closes these
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      socketClosed();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const baseUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

/** Resolves once the server has no open socket (a socket that never closes fails by the test timeout). */
function allSocketsClosed(): Promise<void> {
  return new Promise((resolve) => {
    socketClosed = () => sockets.size === 0 && resolve();
    socketClosed();
  });
}

/** Runs `body` with none of the environment variables that name an endpoint, so connect() is embedded. */
async function withoutEndpointEnv<T>(body: () => Promise<T>): Promise<T> {
  const names = Object.keys(process.env).filter((n) => /^(ACS|DEVUP|OPENAI)_/.test(n));
  const saved = names.map((n) => [n, process.env[n]] as const);
  for (const n of names) delete process.env[n];
  try {
    return await body();
  } finally {
    for (const [n, v] of saved) process.env[n] = v;
  }
}

describe("lab.close", () => {
  it("closes the lab's keep-alive sockets; again does nothing; a later request opens new ones", async () => {
    const lab = connect({ baseUrl: baseUrl(), provider: "vllm", model: "m" });
    await Promise.all(
      ["One text.", "Another text.", "A third."].map((t) => lab.promptLogprobs(t, { topK: 2 })),
    );
    expect(sockets.size).toBeGreaterThan(0);
    await lab.close();
    await allSocketsClosed();
    await Promise.all([lab.close(), lab.close()]);
    const again = await lab.promptLogprobs("One text.", { topK: 2 });
    expect(again.text).toBe("One text.");
    expect(sockets.size).toBe(1);
    await lab.close();
    await allSocketsClosed();
  });

  it("stops the in-process embedded server once the last lab using it closes", async () => {
    await withoutEndpointEnv(async () => {
      const first = connect();
      const second = connect();
      await first.promptLogprobs("Hello world", { topK: 1 });
      await second.promptLogprobs("Hello world", { topK: 1 });
      const url = await first.baseUrl();
      expect(await second.baseUrl()).toBe(url);
      await first.close();
      // Still serving the other lab.
      expect((await second.promptLogprobs("Hello there", { topK: 1 })).text).toBe("Hello there");
      await second.close();
      await second.close();
      const refused = await fetch(`${url}/models`).catch((error) => error);
      expect(refused).toBeInstanceOf(TypeError); // connection refused: nothing listens there
      // A lab used after its close starts the embedded server again.
      expect((await first.promptLogprobs("Hello world", { topK: 1 })).text).toBe("Hello world");
      await first.close();
    });
  });

  it("a lab that never sent anything closes at once", async () => {
    const lab = connect({ baseUrl: baseUrl(), provider: "vllm", model: "m" });
    await lab.close();
    await expect(lab.close()).resolves.toBeUndefined();
  });
});
