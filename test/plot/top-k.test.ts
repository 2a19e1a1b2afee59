import { describe, expect, it } from "vitest";
import { palette } from "../../src/plot/palette.js";
import { topK } from "../../src/plot/top-k.js";
import { parseOpenAIChat } from "../../src/providers/openai-chat.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";
import { tokenRow } from "../fixtures/rows.js";
import { longDocument } from "./long-document.js";

function vllm() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

function openai() {
  const seq = parseOpenAIChat(fixture("openai/chat-logprobs.json"));
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

type Heatmap = {
  x: number[];
  y: number[];
  z: (number | null)[][];
  text: string[][];
  /** Per cell: the whole token where the cell cuts it, the surprisal, the rank (and ◀ for the actual token). */
  customdata: ([string, number | null, number | string] | null)[][];
  hovertemplate: string;
  colorscale: unknown;
  zmin: number;
  zmax: number;
};
type Rect = { x0: number; x1: number; y0: number; y1: number };

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

/** The (position, rank column) of every outlined cell. */
function outlined(shapes: unknown): [number, number][] {
  return (shapes as Rect[]).map((r) => [(r.y0 + r.y1) / 2, (r.x0 + r.x1) / 2]);
}

describe("plot.topK", () => {
  it("lays out positions × ranks with probability as colour and tokens as cell text", () => {
    const spec = topK(vllm());
    const map = spec.data[0] as Heatmap;
    expect(map.y).toEqual([0, 1, 2, 3, 4, 5]);
    // k = 2 reported, plus the column for actual tokens outside it (" capital" rank 240, " France" rank 3).
    expect(map.x).toEqual([1, 2, 3]);
    expect(map.text[1]).toEqual(["I", "The", ""]);
    expect(map.text[2]).toEqual(["␣first", "␣most", "␣capital (240)"]);
    // Two significant digits, as the hover shows them.
    expect(map.z[1][0]).toBe(Number(Math.exp(-3.1).toPrecision(2)));
    expect(map.z[0]).toEqual([null, null, null]);
    expect([map.zmin, map.zmax]).toEqual([0, 1]);
    expect(map.colorscale).toEqual(palette().sequential);
    expect((spec.layout.xaxis as { ticktext: string[] }).ticktext).toEqual([
      "1",
      "2",
      "actual, not in top-2",
    ]);
    expect((spec.layout.xaxis as { title: { text: string } }).title.text).toBe("rank (1-based)");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("outlines the actual token's cell: in its rank column, or in the extra column when outside the top-k", () => {
    const spec = topK(vllm());
    // "The" rank 2, " capital" rank 240, " of" 1, " France" 3, " is" 1; position 0 has no conditional.
    expect(outlined(spec.layout.shapes)).toEqual([
      [1, 2],
      [2, 3],
      [3, 1],
      [4, 3],
      [5, 1],
    ]);
    const map = spec.data[0] as Heatmap;
    expect(map.customdata[3][0]?.[2]).toBe("1  ◀ actual token");
    expect(map.customdata[1][0]?.[2]).toBe(1);
    expect(map.hovertemplate).toContain("rank %{customdata[2]}");
  });

  it("shows censored actual tokens as 'rank > k' outside the grid, and the colour-blind scale", () => {
    const spec = topK(openai(), { palette: "colorblind" });
    const map = spec.data[0] as Heatmap;
    expect(map.text[4][2]).toBe("␣How (>2)");
    expect(map.customdata[4][2]?.[2]).toBe("> 2 (censored)  ◀ actual token");
    // The -9999 token: censored, logprob unknown, so an outlined cell with no colour.
    expect(map.text[5][2]).toBe("␣are (>2)");
    expect(map.z[5][2]).toBeNull();
    // No surprisal is made up for it either.
    expect(map.customdata[5][2]?.[1]).toBeNull();
    expect(outlined(spec.layout.shapes)).toContainEqual([4, 3]);
    expect(map.colorscale).toEqual(palette("colorblind").sequential);
  });

  it("escapes every token and cuts long cell text (hover keeps it whole)", () => {
    const rows = [
      tokenRow({ position: 0, token: "<s>", logprob: null, rank: null }),
      tokenRow({
        position: 1,
        tokenId: 5,
        token: "</span>",
        logprob: -0.2,
        rank: 1,
        topK: 2,
        alternatives: [
          { tokenId: 5, token: "</span>", logprob: -0.2, rank: 1 },
          { tokenId: 6, token: '<script>alert("x&y")</script>', logprob: -2, rank: 2 },
        ],
      }),
    ];
    const spec = topK({ rows }, { maxCellChars: 10 });
    const map = spec.data[0] as Heatmap;
    const json = JSON.stringify(spec);
    expect(json).not.toContain("<script");
    expect(json).not.toContain("</span");
    expect(map.text[1][0]).toBe("&lt;/span&gt;");
    expect(map.text[1][1]).toBe("&lt;script&gt;a…");
    expect(map.customdata[1][0]?.[0]).toBe("");
    expect(map.customdata[1][1]?.[0]).toContain("&lt;script&gt;alert(&#34;x&amp;y&#34;)&lt;/script&gt;");
    expect((spec.layout.yaxis as { ticktext: string[] }).ticktext).toEqual([
      "0 &lt;s&gt;",
      "1 &lt;/span&gt;",
    ]);
  });

  it("shows a window of a long result, says so, and honours k", () => {
    const doc = longDocument(300, { topK: 5 });
    const spec = topK(doc, { start: 100, maxPositions: 20, k: 3 });
    const map = spec.data[0] as Heatmap;
    expect(map.y[0]).toBe(100);
    expect(map.y).toHaveLength(20);
    expect(map.z[0]).toHaveLength(4);
    expect((spec.layout.title as { text: string }).text).toContain("positions 100–119 of 300");
  });
});
