import { describe, expect, it } from "vitest";
import { escapeHtml, escapePlotly } from "../../src/core/escape-html.js";

/** What Plotly's label renderer decodes: a few named entities and every numeric one (plotly.js 4). */
function plotlyDecode(text: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", nbsp: "\u00a0" };
  return text.replace(/&(#\d+|#x[\da-fA-F]+|[a-z]+);/g, (whole, name: string) =>
    name.startsWith("#x")
      ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
      : name.startsWith("#")
        ? String.fromCodePoint(Number(name.slice(1)))
        : (named[name] ?? whole),
  );
}

describe("escapeHtml and escapePlotly", () => {
  const tricky = `<img src=x onerror="alert('&amp;')">`;

  it("leave no markup character in HTML text or attributes", () => {
    expect(escapeHtml(tricky)).toBe("&lt;img src=x onerror=&quot;alert(&#39;&amp;amp;&#39;)&quot;&gt;");
  });

  it("give Plotly entities it decodes back to the exact text (it shows &quot; as is)", () => {
    expect(escapePlotly(tricky)).not.toMatch(/[<>"']/);
    expect(plotlyDecode(escapePlotly(tricky))).toBe(tricky);
    expect(plotlyDecode(escapeHtml(tricky))).not.toBe(tricky);
  });
});
