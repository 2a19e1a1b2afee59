import { describe, expect, it } from "vitest";
import { ResponseShapeError, ServerError, UsageError } from "../src/errors.js";
import { fromResponse } from "../src/from-response.js";
import { readBodyText } from "../src/providers/read-body-text.js";
import { fixture, fixtureText, thrown } from "./fixtures/load.js";
import { benchShapedBody, body, top, utf8 } from "./providers/chat-bodies.js";

describe("fromResponse: bodies", () => {
  it("reads a vLLM completions body from an object or its JSON text alike", () => {
    const a = fromResponse(fixture("vllm/seed-prompt-logprobs.json"));
    const b = fromResponse(fixtureText("vllm/seed-prompt-logprobs.json"));
    expect(a.tokens.objects()).toEqual(b.tokens.objects());
    expect(a.text).toBe("The capital of France is");
    expect(a.model).toBe("llama-8b");
    expect(a.summary.tokenCount).toBe(5);
    expect(a.summary.totalLogprob).toBeCloseTo(-3.5 - 9.25 - 0.4 - 4.5 - 0.9, 12);
  });

  it("uses the prompt to find actual tokens when the body has no ids", () => {
    const r = fromResponse(fixture("vllm/echo-prompt-logprobs.json"), { prompt: "Hello world" });
    expect(r.method).toBe("decoded_token");
    expect(r.text).toBe("Hello world!");
  });

  it.each([
    ["openai/chat-logprobs.json", "openai-chat"],
    ["tgi/generate-bloom-prefill.json", "tgi"],
    ["tgi/devup-details.json", "devup"],
    ["llamacpp/completion.json", "llamacpp"],
    ["llamacpp/completion-legacy.json", "llamacpp"],
    ["ollama/generate.json", "ollama"],
    ["ollama/chat.json", "ollama"],
  ])("detects the dialect of %s", (path, dialect) => {
    const r = fromResponse(fixture(path));
    expect(r.dialect).toBe(dialect);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(r.incomplete).toBe(false);
  });

  it("throws the server's message for an error body, in both vLLM error shapes and TGI's", () => {
    const now = {
      error: {
        message: "This model's maximum context length is 32768 tokens.",
        type: "BadRequestError",
        param: null,
        code: 400,
      },
    };
    const old = { object: "error", message: "too long", type: "BadRequestError", param: null, code: 400 };
    expect(() => fromResponse(now)).toThrowError(ServerError);
    expect(() => fromResponse(now)).toThrowError(/maximum context length/);
    expect(() => fromResponse(old)).toThrowError(/too long/);
    expect(() => fromResponse({ error: "Model is overloaded", error_type: "overloaded" })).toThrowError(
      /overloaded/,
    );
  });

  it("names the closest dialect and the first path that did not match", () => {
    const body = fixture("openai/chat-logprobs.json");
    body.choices[0].logprobs.content[0].logprob = "high";
    const error = (() => {
      try {
        fromResponse(body);
      } catch (e) {
        return e as ResponseShapeError;
      }
    })();
    expect(error).toBeInstanceOf(ResponseShapeError);
    expect(error?.dialect).toBe("openai-chat");
    expect(error?.path).toBe("choices.0.logprobs.content.0.logprob");
    const unknown = (() => {
      try {
        fromResponse({ choices: [{ index: 0, logprobs: { content: "x" } }] });
      } catch (e) {
        return e as ResponseShapeError;
      }
    })();
    expect(unknown).toBeInstanceOf(ResponseShapeError);
    expect(unknown?.message).toMatch(/closest is/);
  });

  it("rejects input that is no response at all", () => {
    expect(() => fromResponse("")).toThrowError(UsageError);
    expect(() => fromResponse("hello there")).toThrowError(ResponseShapeError);
  });
});

describe("fromResponse: captured streams", () => {
  it("reads an OpenAI chat SSE stream like its JSON body", () => {
    const streamed = fromResponse(fixtureText("openai/chat-stream.sse"));
    expect(streamed.dialect).toBe("openai-chat");
    expect(streamed.incomplete).toBe(false);
    expect(streamed.rows.length).toBeGreaterThan(0);
  });

  it.each([
    ["tgi/generate-stream.sse", "tgi"],
    ["tgi/devup-stream.sse", "devup"],
    ["llamacpp/completion-stream.sse", "llamacpp"],
    ["ollama/generate-stream.ndjson", "ollama"],
    ["vllm/completions-stream-echo.sse", "vllm-completions"],
  ])("detects and reads the stream %s", (path, dialect) => {
    const r = fromResponse(fixtureText(path));
    expect(r.dialect).toBe(dialect);
    expect(r.rows.length).toBeGreaterThan(0);
  });

  it("flags a stream that stops early as incomplete and keeps its tokens", () => {
    const full = fromResponse(fixtureText("openai/chat-stream.sse"));
    const text = fixtureText("openai/chat-stream.sse");
    // Cut in the middle of the event that carries the finish_reason: what a docs snippet looks like.
    const cut = text.slice(0, text.lastIndexOf("data:", text.search(/"finish_reason":"/)) + 40);
    const partial = fromResponse(cut);
    expect(partial.incomplete).toBe(true);
    expect(partial.rows.length).toBeGreaterThan(0);
    expect(partial.rows.length).toBeLessThanOrEqual(full.rows.length);
    expect(partial.tokens.objects()).toEqual(full.tokens.objects().slice(0, partial.rows.length));
  });

  it("throws an error event's message with the tokens received before it", () => {
    for (const path of ["tgi/error-stream.sse", "ollama/error-stream.ndjson"]) {
      let error: ServerError | undefined;
      try {
        fromResponse(fixtureText(path));
      } catch (e) {
        error = e as ServerError;
      }
      expect(error).toBeInstanceOf(ServerError);
      expect(error!.serverMessage.length).toBeGreaterThan(0);
      expect(error!.partial.length).toBeGreaterThan(0);
    }
  });
});

// Found by test/fuzz/from-response-mutations.test.ts: values nested deeper than JSON.stringify (or
// Array#toString) can print made fromResponse throw a RangeError instead of a typed error.
describe("fromResponse: deeply nested values", () => {
  const deep = (depth: number) => {
    let value: unknown = "x";
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it("an error body whose error is nested too deep to print is still a ServerError", () => {
    const error = thrown(() => fromResponse({ error: { code: deep(20_000) } }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.serverMessage).toMatch(/cannot be printed/);
  });

  it("an error event whose error_type is a deep array is a ServerError without an errorType", () => {
    const text = `data:{"error":"CUDA out of memory","error_type":${"[".repeat(20_000)}1${"]".repeat(20_000)}}\n\n`;
    const error = thrown(() => fromResponse(text));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ serverMessage: "CUDA out of memory", errorType: undefined });
  });

  it("a stream event given as a body, with a deep extra field, is read as the stream it starts", () => {
    const event = {
      token: { id: 29892, text: ",", logprob: -2.65625, special: false },
      generated_text: null,
      details: null,
      extra: deep(20_000),
    };
    const r = fromResponse(event);
    expect(r.rows.map((row) => row.token)).toEqual([","]);
    expect(r.incomplete).toBe(true);
  });
});

describe("fromResponse: a vLLM body read by the scanner equals the same body parsed", () => {
  // The text goes through the body scanner (prompt_logprobs straight into columns); the parsed
  // object through JSON.parse + validation + promptLogprobEntries. Everything must be the same.
  const same = (text: string, options = {}) => {
    const scanned = fromResponse(text, options);
    const parsed = fromResponse(JSON.parse(text), options);
    expect(scanned.rows).toEqual(parsed.rows);
    expect(scanned.tokens.objects()).toEqual(parsed.tokens.objects());
    expect(scanned.alternatives.objects()).toEqual(parsed.alternatives.objects());
    expect(scanned.summary).toEqual(parsed.summary);
    expect(scanned.text).toBe(parsed.text);
    return scanned;
  };

  it.each(["vllm/seed-prompt-logprobs.json", "vllm/echo-prompt-logprobs.json"])("%s", (path) => {
    const r = same(fixtureText(path));
    expect(r.rows.length).toBeGreaterThan(3);
  });

  it("a body whose entries are out of order, tie on logprob, lack ranks or decoded tokens", () => {
    const text = JSON.stringify({
      object: "text_completion",
      model: "m",
      choices: [
        {
          index: 0,
          text: "",
          prompt_token_ids: [128000, 5, 9, 12],
          prompt_logprobs: [
            null,
            {
              "9": { logprob: -2, rank: 2, decoded_token: "b" },
              "5": { logprob: -0.1, rank: 1, decoded_token: "a" },
            },
            {
              "12": { logprob: -1 },
              "3": { logprob: -1 },
              "9": { logprob: -0.2, rank: 1, decoded_token: "b" },
            },
            { "12": { logprob: -9999, rank: null, decoded_token: null }, "1": { logprob: -0.01, rank: 1 } },
          ],
        },
      ],
    });
    const r = same(text);
    // A tie with no ranks keeps JavaScript's key order: integer keys ascending, whatever the text says.
    expect(r.rows[2]?.alternatives.map((a) => a.tokenId)).toEqual([9, 3, 12]);
    expect(r.rows[3]?.token).toBe("token_id:12");
  });

  it("the rows are built lazily from the columns, once", () => {
    const r = fromResponse(fixtureText("vllm/seed-prompt-logprobs.json"));
    expect(r.rows).toBe(r.rows);
  });
});

describe("fromResponse: a chat body read by the scanner equals the same body parsed", () => {
  // The text goes through the body scanner (content/refusal and prompt_logprobs straight into
  // columns); the parsed object through JSON.parse + validation + chatLogprobEntries.
  const same = (text: string, options = {}, scans = true) => {
    // The scanner reads it (or, where said, declines it and JSON.parse does).
    expect(readBodyText(text)?.hot.has("choices.0.logprobs.content") ?? false).toBe(scans);
    const scanned = fromResponse(text, options);
    const parsed = fromResponse(JSON.parse(text), options);
    expect(scanned.rows).toStrictEqual(parsed.rows);
    expect(scanned.tokens.objects()).toStrictEqual(parsed.tokens.objects());
    expect(scanned.alternatives.objects()).toStrictEqual(parsed.alternatives.objects());
    expect(scanned.summary).toStrictEqual(parsed.summary);
    expect(scanned.text).toBe(parsed.text);
    expect(scanned.dialect).toBe("openai-chat");
    return scanned;
  };

  it.each([
    ["openai/chat-logprobs.json", {}],
    ["vllm/chat-eos-placeholder.json", {}],
    ["vllm/chat-n2.json", {}],
    ["vllm/chat-n2.json", { choice: 1 }],
    ["vllm/chat-prompt-logprobs.json", {}],
    ["vllm/chat-prompt-logprobs.json", { promptTokenIds: [1, 2, 3] }],
  ])("%s %j", (path, options) => {
    for (const text of [fixtureText(path), JSON.stringify(fixture(path), null, 2)]) {
      expect(same(text, options).rows.length).toBeGreaterThan(1);
    }
  });

  it("the bench-shaped body (top-20, ties, censored, -9999), compact and with format given", () => {
    const text = JSON.stringify(benchShapedBody(400, 11));
    expect(same(text).rows).toHaveLength(400);
    same(text, { format: "openai-chat" });
  });

  it("repeats, null logprobs, bytes null and [], placeholders, and a refusal after the content", () => {
    const content = [
      {
        ...top("a", -0.5, utf8("a")),
        top_logprobs: [top("a", -0.5, utf8("a")), top("a", -0.5, utf8("a")), top("b", null)],
      },
      { ...top("", null, []), top_logprobs: [] },
      {
        ...top("token_id:12", -1, utf8("token_id:12")),
        top_logprobs: [top("token_id:12", -1), top("token_id:7", -2)],
      },
      { ...top("c", -0, null), top_logprobs: [top("c", -0.0, []), top("c", -1, null)] },
      { ...top("d", -9999) },
    ];
    const refusal = [{ ...top("No", -0.1, utf8("No")), top_logprobs: [top("No", -0.1, utf8("No"))] }];
    const r = same(JSON.stringify(body({ content, refusal })));
    expect(r.rows).toHaveLength(6);
    // vLLM's shape (no refusal key): a sampled-first list is not a true top-k.
    same(JSON.stringify(body({ content }, [5, 6, 12, 8, 9])));
  });

  it("a body the scanner declines (an unknown key in an entry) parses the same through JSON.parse", () => {
    const text = JSON.stringify(body({ content: [{ ...top("a", -1), extra: 1 }], refusal: null }));
    expect(same(text, {}, false).rows[0]?.token).toBe("a");
  });
});
