import { describe, expect, it } from "vitest";
import { fromResponse } from "../../src/from-response.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";

/** A composed vLLM completions body whose prompt_logprobs hold the given (id, decoded_token, logprob) per position. */
function body(positions: [number, string, number][], extra: Record<string, unknown> = {}) {
  return {
    object: "text_completion",
    model: "m",
    choices: [
      {
        index: 0,
        text: "",
        finish_reason: "length",
        prompt_token_ids: [128000, ...positions.map(([id]) => id)],
        prompt_logprobs: [
          null,
          ...positions.map(([id, text, logprob]) => ({ [id]: { logprob, rank: 1, decoded_token: text } })),
        ],
        ...extra,
      },
    ],
  };
}

describe("vLLM decoded_token variants across versions", () => {
  it("quirk: vLLM 0.8.x raw byte-level pieces ('Ġcapital', 'æĺ¯') become exact bytes and readable text", () => {
    const r = fromResponse(
      body([
        [791, "The", -1],
        [6864, "Ġcapital", -2],
        [21043, "æĺ¯", -3],
      ]),
    );
    expect(r.rows.slice(1).map((row) => row.token)).toEqual(["The", " capital", "是"]);
    expect(r.text).toBe("The capital是");
    expect(Array.from(r.rows[3].bytes ?? [])).toEqual([0xe6, 0x98, 0xaf]);
    expect(r.rows[2].logprob).toBe(-2);
  });

  it("quirk: raw SentencePiece pieces ('▁the', '<0xE2>') become bytes; split characters rejoin", () => {
    const r = fromResponse(
      body([
        [1, "▁the", -1],
        [2, "<0xE2>", -2],
        [3, "<0x82>", -3],
        [4, "<0xAC>", -4],
      ]),
    );
    expect(r.text).toBe(" the€");
    expect(r.rows.map((row) => [row.charStart, row.charEnd])).toEqual([
      [0, 0],
      [0, 4],
      [4, 5],
      [4, 5],
      [4, 5],
    ]);
  });

  it("quirk: the per-token decode shows '�' for a partial character; the prompt repairs the text, logprobs kept", () => {
    const r = fromResponse(
      body([
        [1, "Price", -1],
        [2, "\uFFFD", -2],
        [3, "\uFFFD", -3],
      ]),
      { prompt: "Price€" },
    );
    expect(r.text).toBe("Price€");
    expect(r.rows.map((row) => row.logprob)).toEqual([null, -1, -2, -3]);
  });

  it("quirk: the neighbour re-decode gives '' then the whole character; text and per-token values stay right", () => {
    const r = fromResponse(
      body([
        [1, "Price", -1],
        [2, "", -2],
        [3, "€", -3],
      ]),
    );
    expect(r.text).toBe("Price€");
    expect(r.summary.tokenCount).toBe(3);
  });

  it("quirk: token-id keys lose their JSON order in JS (integer-like keys iterate ascending)", () => {
    // vLLM writes the actual token first; JSON.parse gives "11" before "1917".
    const text =
      '{"object":"text_completion","choices":[{"index":0,"text":"","prompt_token_ids":[128000,1917],' +
      '"prompt_logprobs":[null,{"1917":{"logprob":-3.1,"rank":2,"decoded_token":" world"},"11":{"logprob":-1.1,"rank":1,"decoded_token":","}}]}]}';
    expect(Object.keys(JSON.parse(text).choices[0].prompt_logprobs[1])).toEqual(["11", "1917"]);
    const row = fromResponse(text).rows[1];
    expect(row.tokenId).toBe(1917);
    expect(row.alternatives.map((a) => a.tokenId)).toEqual([11, 1917]);
    expect(row.rank).toBe(2);
  });

  it("quirk: text_offset counts code points (Python len), so it is never used for JS offsets", () => {
    const legacy = {
      tokens: ["<|begin_of_text|>", "😀", " ok"],
      token_logprobs: [null, -2, -1],
      top_logprobs: [null, { "😀": -2 }, { " ok": -1 }],
      // Python: len("<|begin_of_text|>") = 17, len("😀") = 1 — JS "😀".length is 2.
      text_offset: [0, 17, 18],
    };
    const r = fromResponse({
      object: "text_completion",
      choices: [{ index: 0, text: "😀 ok", logprobs: legacy }],
      usage: { prompt_tokens: 3, total_tokens: 3, completion_tokens: 0 },
    });
    expect(r.text).toBe("😀 ok");
    expect(r.rows.map((row) => [row.charStart, row.charEnd])).toEqual([
      [0, 0],
      [0, 2],
      [2, 5],
    ]);
  });

  it("quirk: choices of a prompt list × n are read by index (prompt-major)", () => {
    const one = body([[791, "The", -1]]).choices[0];
    const two = { ...body([[40, "I", -2]]).choices[0], index: 1 };
    const seq = parseVllmCompletion({ object: "text_completion", choices: [two, one] }, { choice: 1 });
    expect(seq.rows[1].tokenId).toBe(40);
  });

  it("quirk: without ids or prompt text the actual token cannot be known: a UsageError, never a guess", () => {
    const b = body([[791, "The", -1]]);
    b.choices[0].prompt_token_ids = null as never;
    expect(() => fromResponse(b)).toThrowError(/pass \{ prompt \}/);
  });

  it("quirk: the top-k entry ranked k is not mistaken for an appended actual token when k is unknown", () => {
    // Both positions hold k = 2 entries, so nothing marks an appended actual token: text decides.
    const b = {
      object: "text_completion",
      choices: [
        {
          index: 0,
          text: "",
          prompt_logprobs: [
            null,
            {
              40: { logprob: -1, rank: 1, decoded_token: "I" },
              791: { logprob: -2, rank: 2, decoded_token: "The" },
            },
            {
              6864: { logprob: -3, rank: 1, decoded_token: " capital" },
              1176: { logprob: -4, rank: 2, decoded_token: " first" },
            },
          ],
        },
      ],
    };
    expect(fromResponse(b, { prompt: "The capital" }).rows.map((row) => row.tokenId)).toEqual([
      null,
      791,
      6864,
    ]);
    expect(fromResponse(b, { prompt: "Xyz" }).rows.map((row) => row.logprob)).toEqual([null, null, null]);
  });
});
