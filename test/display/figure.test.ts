import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { plot } from "../../src/display/plot.js";
import { tokenRow } from "../fixtures/rows.js";

const rows = [
  tokenRow({ token: "a", logprob: null }),
  tokenRow({ position: 1, token: "b", charStart: 1, charEnd: 2 }),
];

describe("Figure title as text", () => {
  it("is the chart title's first line, without Plotly markup, escaped once in the page", () => {
    const fig = plot.ranks({ rows }, { title: `A & "B" <script>x</script>` });
    // The chart itself carries the title escaped for Plotly, with a subtitle after <br>.
    expect((fig.layout.title as { text: string }).text).toMatch(
      /^A &amp; &#34;B&#34; &lt;script&gt;x&lt;\/script&gt;<br>/,
    );
    expect(inspect(fig)).toMatch(/^<Figure "A & "B" <script>x<\/script>": /);
    expect(fig.toHTML()).toContain("<title>A &amp; &quot;B&quot; &lt;script&gt;x&lt;/script&gt;</title>");
  });
});
