import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "../../src/core/token-logprob.js";
import { palette } from "../../src/plot/palette.js";
import { textHeatmap } from "../../src/plot/text-heatmap.js";
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

/** A result from token texts (prompt rows, position 0 unscored), through the real offset assembly. */
function fromTokens(
  tokens: string[],
  extra: (i: number) => Partial<TokenLogprob> = () => ({}),
): LogprobResult {
  const rows = tokens.map((token, i) =>
    tokenRow({
      position: i,
      tokenId: i,
      token,
      logprob: i === 0 ? null : -1 - i,
      rank: i === 0 ? null : 1,
      ...extra(i),
    }),
  );
  return new LogprobResult(rows, { dialect: "test", method: "generated" });
}

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&amp;": "&",
};
const unescapeHtml = (s: string) => s.replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e]);

/** The token spans of the text part: class, tooltip and shown text, all unescaped. */
function spans(html: string): { cls: string; title: string; text: string }[] {
  const body = html.slice(html.indexOf("<div class=tx>") + 14, html.indexOf("</div><div class=lg>"));
  const out: { cls: string; title: string; text: string }[] = [];
  const pattern = /<span(?: class=(?:"([\w ]+)"|(\w+)))? title='([^'"<>]*)'>([^<>]*)<\/span>/gy;
  let at = 0;
  for (let m = pattern.exec(body); m; m = pattern.exec(body)) {
    out.push({ cls: m[1] ?? m[2] ?? "", title: unescapeHtml(m[3]), text: unescapeHtml(m[4]) });
    at = pattern.lastIndex;
  }
  // Every byte of the text part is one of those spans: no stray markup anywhere.
  expect(body.slice(at)).toBe("");
  return out;
}

describe("plot.textHeatmap", () => {
  it("renders every token as a span with a tooltip, coloured by surprisal class, with a legend", () => {
    const html = textHeatmap(vllm());
    const parts = spans(html);
    expect(parts.map((p) => p.text)).toEqual([
      "<|begin_of_text|>",
      "The",
      " capital",
      " of",
      " France",
      " is",
    ]);
    // " capital": 9.25 nats = 13.3 bits, the top class; " of": 0.58 bits, the default (no class attribute).
    expect(parts[2].cls).toBe("s5");
    expect(parts[3].cls).toBe("");
    expect(parts[0].cls).toBe("u sp");
    expect(parts[0].title).toContain("position 0: no conditional");
    expect(parts[2].title).toBe("p <0.01%, 13.3 bits, rank 240\nothers ␣first 5%, ␣most 4%");
    expect(parts[1].title).toBe("p 3.0%, 5.0 bits, rank 2\nothers I 5%");
    expect(html).toContain("<div class=lg>surprisal (bits): ");
    expect(html).toContain("<span class=s5>≥ 12</span>");
    expect(html).toMatchSnapshot();
  });

  it("colours by GLTR bucket with counts in the legend, underline cues and the colour-blind palette", () => {
    const html = textHeatmap(vllm(), { colorBy: "bucket", palette: "colorblind" });
    const parts = spans(html);
    expect(parts[2].cls).toBe("g2"); // rank 240: 101–1000
    expect(parts[4].cls).toBe(""); // rank 3: 1–10, the default class
    expect(parts[2].title).not.toContain("bits"); // colour is the bucket: the tooltip leads with p and rank
    expect(html).toContain("<span class=g0>1–10: 4 (80.0%)</span>");
    expect(html).toContain("<span class=c>&gt; k (censored): 0 (0.0%)</span>");
    const cb = palette("colorblind").buckets;
    expect(html).toContain(`.tx span{border-radius:2px;background:${cb[0]};color:#000}`);
    expect(html).toContain(`.g2{background:${cb[2]};color:#000;text-decoration:underline dashed}`);
    expect(html).toContain("text-decoration:underline wavy"); // censored: a cue beyond colour
  });

  it("marks censored ranks and unknown logprobs in the tooltip and the class", () => {
    const parts = spans(textHeatmap(openai(), { colorBy: "bucket" }));
    const how = parts.find((p) => p.text === " How")!;
    expect(how.cls).toBe("c");
    expect(how.title).toBe("p 1.7%, rank > 2 (censored)\nothers ␣Can 59%, ␣What 30%");
    const are = parts.find((p) => p.text === " are")!;
    expect(are.cls).toBe("u");
    expect(are.title).toBe("logprob unknown, rank > 2 (censored)\nothers ␣can 90%, ␣may 8%");
  });

  it("shows a character split over two tokens once, each token keeping its own values", () => {
    const r = openai();
    const html = textHeatmap(r);
    const parts = spans(html);
    expect(parts.map((p) => p.text)).toEqual(["Hello", "!", " 😊", " How", " are"]);
    expect(html.split("😊")).toHaveLength(2);
    const emoji = parts[2];
    // Summed: 1.2 + 0.00012 nats = 1.73 bits; merged cue class "m".
    expect(emoji.cls).toBe("s1 m");
    expect(emoji.title.split("\n")).toEqual([
      "2 tokens form this text (partial UTF-8); each keeps its own value:",
      "␣bytes:\\xf0\\x9f: p 30%, 1.7 bits, rank 1",
      "others ␣How 23%",
      "bytes:\\x98\\x8a: p 99.99%, 0.0 bits, rank 1",
      "others bytes:\\x98\\x80 <0.1%",
    ]);
  });

  it("escapes every token string, in the text and in the tooltips", () => {
    const nasty = ["<script>", '"', "'", "&", "</span>", "<b onmouseover=x>"];
    const r = fromTokens(["Hi", ...nasty], (i) => ({
      topK: 2,
      alternatives: [
        { tokenId: 100 + i, token: nasty[i % nasty.length], logprob: -0.1, rank: 1 },
        { tokenId: i, token: "x", logprob: -2, rank: 2 },
      ],
    }));
    const html = textHeatmap(r, { maxAlternatives: 2 });
    expect(html.toLowerCase()).not.toContain("<script");
    expect(html).not.toContain("<b ");
    // `spans` also checks that every tag of the text is a span with only a class and a title.
    expect(html.match(/<span/g)?.length).toBe(html.match(/<\/span>/g)?.length);
    const parts = spans(html);
    expect(parts.map((p) => p.text)).toEqual(["Hi", ...nasty]);
    expect(parts[1].title).toContain('others " 90%'); // position i's alternative is nasty[i]
    expect(parts[2].title).toContain("others ' 90%");
    expect(parts[5].title).toContain("others <b␣onmouseover=x> 90%");
    expect(html).toContain("&lt;/span&gt;");
    expect(html).toContain("&quot;");
    expect(html).toContain("&#39;");
    expect(html).toContain("&amp;");
  });

  it("makes whitespace visible where it would vanish", () => {
    const parts = spans(textHeatmap(fromTokens(["Hi", " ", "\n", "\tx", "  y", " z"])));
    expect(parts.map((p) => p.text)).toEqual(["Hi", "␣", "⏎\n", "⇥x", "␣␣y", " z"]);
    const all = spans(textHeatmap(fromTokens(["Hi", " z"]), { showSpaces: true }));
    expect(all[1].text).toBe("␣z");
  });

  it("takes nats, a title and no alternatives on request", () => {
    const html = textHeatmap(vllm(), { unit: "nats", maxAlternatives: 0, title: "<Prompt & more>" });
    expect(html).toContain("<div class=hd>&lt;Prompt &amp; more&gt;</div>");
    expect(html).toContain("surprisal (nats): <span class=s0>0–0.69</span>");
    const parts = spans(html);
    expect(parts[2].title).toBe("p <0.01%, 9.3 nats, rank 240");
  });

  it("keeps its styles scoped: surprisal, bucket and palette variants can share a page", () => {
    const roots = [
      textHeatmap(vllm()),
      textHeatmap(vllm(), { palette: "colorblind" }),
      textHeatmap(vllm(), { colorBy: "bucket" }),
      textHeatmap(vllm(), { colorBy: "bucket", thresholds: [5, 50] }),
    ].map((html) => html.match(/^<div class="lpl-th (lpl-th-\w+)">/)?.[1]);
    expect(roots).toEqual(["lpl-th-ds", "lpl-th-cs", "lpl-th-db3", "lpl-th-db2"]);
  });

  it("averages at most 100 bytes per token on a 1,000-token document with a top-5", () => {
    const doc = longDocument(1000, { topK: 5 });
    for (const colorBy of ["surprisal", "bucket"] as const) {
      const html = textHeatmap(doc, { colorBy });
      const perToken = Buffer.byteLength(html) / doc.rows.length;
      expect(perToken, `${colorBy}: ${perToken.toFixed(1)} bytes per token`).toBeLessThanOrEqual(100);
      expect(spans(html)).toHaveLength(1000);
    }
  });
});
