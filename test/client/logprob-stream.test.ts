import { describe, expect, it } from "vitest";
import { LogprobStream } from "../../src/client/logprob-stream.js";
import { ResponseShapeError, ServerError, TransportError } from "../../src/errors.js";
import { decodeSse, type StreamEvent } from "../../src/http/sse-decoder.js";
import { DIALECTS } from "../../src/providers/dialects.js";
import { fixtureText, rejection } from "../fixtures/load.js";

const URL = "http://127.0.0.1:8000/v1/completions";
/** The recorded stream's first event (prompt and one token), then what a test appends. */
const first = fixtureText("vllm/completions-stream-echo.sse").split("\n\n")[0];

/** A stream over composed SSE text, read as lab.complete({ stream: true }) reads it. */
function streamOf(sse: string): LogprobStream {
  return new LogprobStream(async () => {
    async function* events(): AsyncGenerator<StreamEvent> {
      for (const event of decodeSse(sse)) yield event;
    }
    return {
      events: events(),
      parser: DIALECTS["vllm-completions"].stream({ prompt: "Hello world!" }),
      framing: "sse",
      url: URL,
    };
  }, "vllm");
}

describe("LogprobStream error events", () => {
  it("reads the recorded stream whole", async () => {
    const r = await streamOf(fixtureText("vllm/completions-stream-echo.sse")).result();
    expect(r.rows.map((row) => row.token)).toEqual(["<|begin_of_text|>", "Hello", " world", "!", " I"]);
  });

  it("throws ServerError for vLLM's data: {error} mid-stream, keeping the rows before it", async () => {
    const error = await rejection(
      streamOf(
        `${first}\n\ndata: {"error": {"message": "engine died", "type": "InternalServerError", "code": 500}}\n\ndata: [DONE]\n\n`,
      ).result(),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toBe("engine died");
    expect(error.errorType).toBe("InternalServerError");
    expect(error.partial).toHaveLength(4);
  });

  it("throws ServerError for an `event: error` whose data is no dialect's error body", async () => {
    const error = await rejection(
      streamOf(
        `${first}\n\nevent: error\ndata: {"message": "overloaded", "type": "overloaded_error"}\n\n`,
      ).result(),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toBe("overloaded");
    expect(error.errorType).toBe("overloaded_error");
    expect(error.partial).toHaveLength(4);
  });

  it("throws ServerError for an `event: error` with plain text, not a shape error", async () => {
    const error = await rejection(
      streamOf(`${first}\n\nevent: error\ndata: upstream went away\n\n`).result(),
    );
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toBe("upstream went away");
  });

  it("throws ResponseShapeError for a garbled event or a bare NaN: the server reported nothing", async () => {
    for (const bad of ['data: {"choices": [{"index": 0,, }', 'data: {"choices": [{"logprob": NaN}]}']) {
      const error = await rejection(streamOf(`${first}\n\n${bad}\n\ndata: [DONE]\n\n`).result());
      expect(error).toBeInstanceOf(ResponseShapeError);
      expect(error.message).toContain(URL);
    }
  });

  it("a torn last event of a stream without its end is an incomplete stream", async () => {
    const error = await rejection(streamOf(`${first}\n\ndata: {"choices": [{"ind`).result());
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe("INCOMPLETE_STREAM");
  });
});
