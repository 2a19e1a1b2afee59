import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Figure } from "../../src/display/figure.js";
import { NOTEBOOK_FIGURE_BUDGET, resetNotebookSession } from "../../src/display/notebook-html.js";
import { COLUMNS_KEY } from "../../src/display/pack-figure.js";
import { mimeBundleOf } from "../../src/display/show.js";
import type { FigureSpec } from "../../src/plot/figure-spec.js";
import { surprisal } from "../../src/plot/surprisal.js";
import { longDocument } from "../plot/long-document.js";

/** The figure JSON a notebook figure's HTML carries (gzip, base64), unpacked as the browser does. */
function packedFigure(html: string): FigureSpec {
  const match = html.match(/var z="([A-Za-z0-9+/=]+)"/);
  expect(match).not.toBeNull();
  return JSON.parse(gunzipSync(Buffer.from(match?.[1] as string, "base64")).toString("utf8"));
}

/** As plotly.js and the page's unpacking see it: `x0`/`dx` as `x`, customdata columns as rows. */
function expanded(spec: FigureSpec): FigureSpec {
  const data = spec.data.map((packed) => {
    const { x0, dx, [COLUMNS_KEY]: columns, ...trace } = packed as Record<string, unknown>;
    const length = ((trace.y ?? []) as unknown[]).length;
    if (typeof x0 === "number" && typeof dx === "number")
      trace.x = Array.from({ length }, (_, i) => x0 + i * dx);
    if (Array.isArray(columns))
      trace.customdata = (columns[0] as unknown[]).map((_, i) => columns.map((col) => col[i]));
    return Object.fromEntries(Object.entries(trace).sort(([a], [b]) => a.localeCompare(b)));
  });
  return { ...spec, data };
}

const sorted = (spec: FigureSpec): FigureSpec => ({
  ...spec,
  data: spec.data.map((t) => Object.fromEntries(Object.entries(t).sort(([a], [b]) => a.localeCompare(b)))),
});

describe("notebook figure HTML", () => {
  it("carries the same figure as the Plotly JSON, packed, so the bundle holds one readable copy", () => {
    resetNotebookSession();
    mimeBundleOf(new Figure(surprisal(longDocument(20))));
    const fig = new Figure(surprisal(longDocument(300, { topK: 20 })));
    const bundle = mimeBundleOf(fig);
    const html = bundle["text/html"] as string;
    const packed = packedFigure(html);
    // Smaller than the plain figure: positions as x0/dx, hover values column by column.
    expect(packed.data[0]).toMatchObject({ x0: 1, dx: 1 });
    expect(packed.data[0]).not.toHaveProperty("x");
    expect(packed.data[0]).not.toHaveProperty("customdata");
    expect(expanded(packed)).toEqual(sorted(JSON.parse(JSON.stringify(fig.toJSON()))));
    // No per-point string of the figure appears in the HTML as text: it is only in the Plotly JSON.
    const token = (fig.data[0].customdata as string[][])[5]?.[0] as string;
    expect(JSON.stringify(bundle["application/vnd.plotly.v1+json"])).toContain(token);
    expect(html).not.toContain("customdata[");
    expect(html.length).toBeLessThan(JSON.stringify(fig.toJSON()).length / 1.5);
  });

  it("sends a figure too large for the budget once, packed, without the plain Plotly JSON", () => {
    resetNotebookSession();
    mimeBundleOf(new Figure(surprisal(longDocument(20))));
    const small = mimeBundleOf(new Figure(surprisal(longDocument(100, { topK: 20 }))));
    const large = mimeBundleOf(new Figure(surprisal(longDocument(1000, { topK: 20 }))));
    expect(Object.keys(small)).toEqual(["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    expect(Object.keys(large)).toEqual(["text/html", "text/plain"]);
    expect(Buffer.byteLength(JSON.stringify(small))).toBeLessThanOrEqual(NOTEBOOK_FIGURE_BUDGET);
    expect(Buffer.byteLength(JSON.stringify(large))).toBeLessThanOrEqual(NOTEBOOK_FIGURE_BUDGET);
    // The packed copy is the whole figure: 999 bars, each with its own hover values.
    const packed = expanded(packedFigure(large["text/html"] as string));
    expect((packed.data[0].x as number[]).length).toBe(999);
    expect((packed.data[0].customdata as unknown[][]).length).toBe(999);
  });

  it("keeps the standalone page readable (plain JSON, no unpacking)", () => {
    const fig = new Figure(surprisal(longDocument(20)));
    expect(fig.toHTML()).toContain('"customdata"');
    expect(fig.toHTML()).not.toContain("DecompressionStream");
  });
});
