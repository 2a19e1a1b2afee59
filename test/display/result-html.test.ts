import { describe, expect, it } from "vitest";
import { Figure } from "../../src/display/figure.js";
import { resetNotebookSession } from "../../src/display/notebook-html.js";
import { mimeBundleOf } from "../../src/display/show.js";
import { surprisal } from "../../src/plot/surprisal.js";
import { parseVllmCompletion } from "../../src/providers/vllm-completions.js";
import { LogprobResult } from "../../src/result.js";
import { fixture } from "../fixtures/load.js";

const PAYLOAD = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

function hostileResult(): LogprobResult {
  const body = fixture("vllm/seed-prompt-logprobs.json");
  body.choices[0].prompt_logprobs[2]["6864"].decoded_token = PAYLOAD;
  body.choices[0].prompt_logprobs[3]["3363"].decoded_token = PAYLOAD;
  const seq = parseVllmCompletion(body);
  return new LogprobResult(seq.rows, { dialect: seq.dialect, method: seq.method });
}

/** Every script element's body, and the HTML outside script elements. */
function split(html: string): { scripts: string[]; markup: string } {
  const scripts: string[] = [];
  const markup = html.replace(/<script>([\s\S]*?)<\/script>/g, (_m, body: string) => {
    scripts.push(body);
    return "";
  });
  return { scripts, markup };
}

describe("result and figure HTML", () => {
  it("never lets token text become markup or close a script", () => {
    const r = hostileResult();
    for (const html of [
      r.toHTML(),
      mimeBundleOf(r)["text/html"] as string,
      new Figure(surprisal(r)).toHTML(),
    ]) {
      const { scripts, markup } = split(html);
      expect(markup).not.toContain("<img");
      expect(markup).not.toMatch(/<script|<\/script/);
      for (const script of scripts) expect(script).not.toContain("__pwned=1</");
      expect(html.split("<script>").length).toBe(html.split("</script>").length);
    }
  });

  it("inlines plotly.js once per session and keeps the figure bundle complete", () => {
    const r = hostileResult();
    resetNotebookSession();
    const first = mimeBundleOf(new Figure(surprisal(r)));
    const second = mimeBundleOf(new Figure(surprisal(r)));
    expect((first["text/html"] as string).length).toBeGreaterThan(4_000_000);
    expect((second["text/html"] as string).length).toBeLessThan(100_000);
    expect(first["application/vnd.plotly.v1+json"]).toMatchObject({ config: { showSendToCloud: false } });
    expect(first["text/plain"]).toMatch(/^<Figure "Surprisal per position": 1 trace/);
  });

  it("shows the summary and the first rows with a row count", () => {
    const html = mimeBundleOf(hostileResult())["text/html"] as string;
    expect(html).toContain("5 scored tokens of 6 positions");
    expect(html).toContain("6 of 6 rows");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;");
  });
});
