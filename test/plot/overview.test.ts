import { describe, expect, it } from "vitest";
import { overview, PACK_THRESHOLD, typedArray } from "../../src/plot/overview.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";
import { longDocument } from "./long-document.js";

function vllm() {
  const seq = parseVllmCompletion(fixture("vllm/seed-prompt-logprobs.json"), { includeGenerated: false });
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

type Packed = { dtype: string; bdata: string };
type Line = { type: string; x: number[] | Packed; y: number[] | Packed; text?: string[]; name: string };

function unpack(array: number[] | Packed): number[] {
  if (Array.isArray(array)) return array;
  const bytes = Buffer.from(array.bdata, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    out.push(array.dtype === "f4" ? view.getFloat32(i, true) : view.getInt32(i, true));
  }
  return out;
}

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

describe("plot.overview", () => {
  it("draws surprisal over every scored position as SVG scatter below 10,000 points", () => {
    const spec = overview(vllm(), { spikes: 3 });
    const line = spec.data[0] as Line;
    expect(line.type).toBe("scatter");
    expect(line.x).toEqual([1, 2, 3, 4, 5]);
    expect((line.y as number[])[1]).toBeCloseTo(9.25 / Math.LN2, 3);
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("surprisal (bits)");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("numbers the top N spikes on the chart and lists them, largest first, in a table", () => {
    const spec = overview(vllm(), { spikes: 3, unit: "nats" });
    const markers = spec.data.find((t) => t.name === "top 3 spikes") as {
      x: number[];
      y: number[];
      text: string[];
    };
    // Surprisal (nats): 3.5, 9.25, 0.4, 4.5, 0.9 at positions 1..5.
    expect(markers.x).toEqual([2, 4, 1]);
    expect(markers.y).toEqual([9.25, 4.5, 3.5]);
    expect(markers.text).toEqual(["1", "2", "3"]);
    const table = spec.data.find((t) => t.type === "table") as {
      header: { values: string[] };
      cells: { values: (string | number)[][] };
    };
    expect(table.header.values).toEqual(["#", "position", "token", "nats"]);
    expect(table.cells.values).toEqual([
      [1, 2, 3],
      [2, 4, 1],
      ["␣capital", "␣France", "The"],
      ["9.25", "4.50", "3.50"],
    ]);
    expect(overview(vllm(), { spikes: 0 }).data.some((t) => t.type === "table")).toBe(false);
  });

  it("packs its arrays from 10,000 points, with the same values, and draws with WebGL only when asked", () => {
    const doc = longDocument(PACK_THRESHOLD + 1);
    const spec = overview(doc);
    const line = spec.data[0] as Line;
    expect(line.type).toBe("scatter");
    expect((line.x as Packed).dtype).toBe("i4");
    expect((line.y as Packed).dtype).toBe("f4");
    const scored = doc.rows.filter((row) => row.logprob !== null);
    const xs = unpack(line.x);
    const ys = unpack(line.y);
    expect(xs).toHaveLength(scored.length);
    expect(xs.slice(0, 3)).toEqual([1, 2, 3]);
    for (const i of [0, 17, scored.length - 1]) {
      expect(ys[i]).toBeCloseTo(-(scored[i].logprob as number) / Math.LN2, 4);
    }
    const mean = spec.data[1] as Line;
    expect(mean.type).toBe("scatter");
    expect(mean.name).toBe("mean over 100 tokens");
    const gl = overview(doc, { webgl: true }).data;
    expect([gl[0]?.type, gl[1]?.type]).toEqual(["scattergl", "scattergl"]);
    expect(gl[0]?.y).toEqual(line.y);
    const small = overview(longDocument(PACK_THRESHOLD - 10), { webgl: true }).data[0] as Line;
    expect([small.type, Array.isArray(small.y)]).toEqual(["scatter", true]);
  });

  it("stays under 40 KB of JSON per 1,000 tokens from 1,000 to 100,000 tokens", () => {
    for (const count of [1_000, 10_000, 100_000]) {
      const bytes = Buffer.byteLength(JSON.stringify(overview(longDocument(count))));
      const perThousand = (bytes / count) * 1000;
      expect(perThousand, `${count} tokens: ${Math.round(perThousand)} B per 1,000`).toBeLessThan(40_000);
    }
  });

  it("packs numbers as little-endian base64 (Plotly's typed-array encoding)", () => {
    expect(typedArray("i4", [1, 256])).toEqual({ dtype: "i4", bdata: "AQAAAAABAAA=" });
    expect(typedArray("f4", [1.5])).toEqual({ dtype: "f4", bdata: "AADAPw==" });
    expect(typedArray("i4", [])).toEqual({ dtype: "i4", bdata: "" });
  });
});
