import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Figure } from "../../src/display/figure.js";
import { resetNotebookSession } from "../../src/display/notebook-html.js";
import { mimeBundleOf } from "../../src/display/show.js";
import { surprisal } from "../../src/plot/surprisal.js";
import { longDocument } from "../plot/long-document.js";

/** The figure JSON a notebook figure's HTML carries (gzip, base64), unpacked as the browser does. */
function packedFigure(html: string): unknown {
  const match = html.match(/var z="([A-Za-z0-9+/=]+)"/);
  expect(match).not.toBeNull();
  return JSON.parse(gunzipSync(Buffer.from(match?.[1] as string, "base64")).toString("utf8"));
}

describe("notebook figure HTML", () => {
  it("carries the same figure as the Plotly JSON, packed, so the bundle holds one readable copy", () => {
    resetNotebookSession();
    mimeBundleOf(new Figure(surprisal(longDocument(20))));
    const fig = new Figure(surprisal(longDocument(300, { topK: 20 })));
    const bundle = mimeBundleOf(fig);
    const html = bundle["text/html"] as string;
    expect(packedFigure(html)).toEqual(JSON.parse(JSON.stringify(fig.toJSON())));
    // No per-point string of the figure appears in the HTML as text: it is only in the Plotly JSON.
    const token = (fig.data[0].customdata as string[][])[5]?.[0] as string;
    expect(JSON.stringify(bundle["application/vnd.plotly.v1+json"])).toContain(token);
    expect(html).not.toContain("customdata");
    expect(html.length).toBeLessThan(JSON.stringify(fig.toJSON()).length / 1.5);
  });

  it("keeps the standalone page readable (plain JSON, no unpacking)", () => {
    const fig = new Figure(surprisal(longDocument(20)));
    expect(fig.toHTML()).toContain('"customdata"');
    expect(fig.toHTML()).not.toContain("DecompressionStream");
  });
});
