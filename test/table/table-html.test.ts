import * as aq from "arquero";
import { describe, expect, it } from "vitest";
import { tableToHTML } from "../../src/table/table-html.js";

describe("tableToHTML", () => {
  it("escapes token text, shows whitespace and says how many rows there are", () => {
    const table = aq.table({
      position: [0, 1, 2],
      token: ["<script>alert(1)</script>", " the", "x"],
      logprob: [null, -1.23456, -2],
    });
    const html = tableToHTML(table, { limit: 2 });
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("␣the");
    expect(html).toContain("2 of 3 rows × 3 columns");
    expect(html).toContain("-1.235");
  });
});
