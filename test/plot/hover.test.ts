import { describe, expect, it } from "vitest";
import { hoverText, plotlyText, pointCustomdata, pointHoverTemplate } from "../../src/plot/hover.js";
import { tokenRow } from "../fixtures/rows.js";

describe("hoverText", () => {
  const alternatives = Array.from({ length: 7 }, (_, i) => ({
    tokenId: i,
    token: ` t${i}`,
    logprob: -1 - i,
    rank: i + 1,
  }));

  it("lists the top alternatives and the actual token where it ranks below them", () => {
    const text = hoverText(
      tokenRow({ position: 3, tokenId: 6, token: " t6", logprob: -7, rank: 7, alternatives }),
      3,
    );
    expect(text).toContain("rank 7");
    expect(text.split("<br>").filter((line) => /^ {2}\d+\./.test(line))).toEqual([
      "  1. ␣t0  0.368",
      "  2. ␣t1  0.135",
      "  3. ␣t2  0.050",
      "  7. ␣t6  9.1e-4 ◀",
    ]);
  });

  it("says a censored rank is only a bound, and position 0 has no conditional", () => {
    expect(hoverText(tokenRow({ position: 2, rank: null, rankCensored: true, rankBound: 5 }))).toContain(
      "rank > 5 (censored)",
    );
    expect(hoverText(tokenRow({ position: 0, logprob: null, rank: null }))).toContain(
      "no conditional at position 0",
    );
  });

  it("escapes token text so Plotly shows it literally", () => {
    expect(plotlyText("<b>x</b>\n")).toBe("&lt;b&gt;x&lt;/b&gt;⏎");
  });
});

describe("pointCustomdata", () => {
  const alternatives = Array.from({ length: 7 }, (_, i) => ({
    tokenId: i,
    token: ` t${i}`,
    logprob: -1.23456789 - i,
    rank: i + 1,
  }));

  it("holds only values, rounded as the hover shows them, and the top others without the token itself", () => {
    const row = tokenRow({
      position: 3,
      tokenId: 1,
      token: " t1",
      logprob: -2.23456789,
      rank: 2,
      alternatives,
    });
    expect(pointCustomdata(row)).toEqual(["␣t1", -2.235, 0.11, 2, "␣t0 29% · ␣t2 4% · ␣t3 1%"]);
    // The labels are in the template, once per trace.
    expect(pointHoverTemplate(" · %{y:.2f} bits")).toContain("logprob %{customdata[1]:.3f} nats");
    expect(pointHoverTemplate()).toContain("others: %{customdata[4]}");
  });

  it("says when a rank is censored and when no alternative was reported", () => {
    const row = tokenRow({ position: 2, rank: null, rankCensored: true, rankBound: 5, alternatives: [] });
    expect(pointCustomdata(row).slice(3)).toEqual(["> 5 (censored)", "none reported"]);
  });
});
