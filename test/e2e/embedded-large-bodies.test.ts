import { type IncomingMessage, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatResponse, planChat } from "../../src/local/chat-completions.js";
import { completionsResponse } from "../../src/local/completions.js";
import { embeddedEngine } from "../../src/local/engine.js";
import { type EmbeddedServer, serve } from "../../src/local/server.js";

/**
 * Large answers (top-20 prompt logprobs: ~1.5 KB a position) are written from buffers the server
 * lends per response and takes back when the response closes. Over real HTTP on loopback: bodies
 * in flight at once, one of them held unread so its bytes wait in the socket while others are
 * written, must each arrive whole and as the in-process answer gives them.
 */

/** A text of about 20 tokens a paragraph. */
const paragraphs = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => `Paragraph ${i}: the river ran past the mill and the old bridge, where the children waited.`,
  ).join(" ");
const LONG = paragraphs(12);
// About 3,800 tokens: an answer of ~6 MB, more than the socket buffers hold, so that a reader who
// does not read leaves the server's write pending on the lent buffer.
const VERY_LONG = paragraphs(190);

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

interface Sent {
  res: IncomingMessage;
  body: Promise<{ text: string; length: number }>;
}

/** POSTs JSON; the body is read only when `read` is called (until then its bytes wait in the socket). */
function send(path: string, payload: unknown): Promise<Sent & { read: () => void }> {
  const text = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path,
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      },
      (res) => {
        res.pause();
        const chunks: Buffer[] = [];
        const body = new Promise<{ text: string; length: number }>((done, fail) => {
          res.on("data", (c: Buffer) => chunks.push(c));
          res.once("error", fail);
          res.once("end", () => {
            const bytes = Buffer.concat(chunks);
            done({ text: bytes.toString("utf8"), length: bytes.length });
          });
        });
        resolve({ res, body, read: () => res.resume() });
      },
    );
    req.once("error", reject);
    req.end(text);
  });
}

/** An answer with the parts that differ per call (id, created) set aside. */
const comparable = (text: string) => {
  const { id: _id, created: _created, ...rest } = JSON.parse(text);
  return rest;
};

describe("the embedded server's large answers", () => {
  it("arrive whole and right with several in flight and one held unread", async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string }[] };
    const model = models.data[0]?.id;
    const requests = Array.from({ length: 3 }, (_, i) => ({
      model,
      prompt: `${i}. ${VERY_LONG}`,
      max_tokens: 1,
      temperature: 0,
      prompt_logprobs: 20,
    }));
    const held = await send("/v1/completions", requests[0]);
    const others = await Promise.all(requests.slice(1).map((r) => send("/v1/completions", r)));
    for (const o of others) o.read();
    const answers = await Promise.all(others.map((o) => o.body));
    held.read();
    answers.unshift(await held.body);
    const engine = embeddedEngine();
    answers.forEach((answer, i) => {
      expect(answer.length).toBeGreaterThan(5_000_000);
      expect(answer.length).toBe(
        Number(i === 0 ? held.res.headers["content-length"] : others[i - 1]?.res.headers["content-length"]),
      );
      expect(comparable(answer.text)).toEqual(comparable(completionsResponse(engine, requests[i]!)));
    });
  });

  it("serves a chat answer with prompt logprobs as the in-process answer gives it", async () => {
    const payload = {
      messages: [{ role: "user", content: LONG }],
      max_tokens: 2,
      temperature: 0,
      prompt_logprobs: 20,
    };
    const sent = await send("/v1/chat/completions", payload);
    sent.read();
    const { text, length } = await sent.body;
    expect(length).toBeGreaterThan(100_000);
    const engine = embeddedEngine();
    expect(comparable(text)).toEqual(comparable(chatResponse(engine, planChat(engine, payload))));
  });

  it("answers on after a client leaves in the middle of a large body", async () => {
    const request0 = { prompt: LONG, max_tokens: 1, temperature: 0, prompt_logprobs: 20 };
    const gone = await send("/v1/completions", request0);
    gone.res.destroy();
    const next = await send("/v1/completions", request0);
    next.read();
    const { text } = await next.body;
    expect(comparable(text)).toEqual(comparable(completionsResponse(embeddedEngine(), request0)));
  });
});
