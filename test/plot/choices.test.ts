import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { type ChoiceInput, choices } from "../../src/plot/choices.js";
import { tokenRow } from "../fixtures/rows.js";

type Bar = {
  name: string;
  x: string[];
  y: (number | null)[];
  text: string[];
  hovertext: string[];
  xaxis: string;
  yaxis: string;
  marker: { color: string[]; line: { width: number[] } };
};

/**
 * Three continuations where the metrics disagree: " Paris" wins the sum, " Zürich" (7 chars, 8
 * bytes) wins per character, " the city of Paris" wins mutual information.
 */
const INPUT: { context: string; choices: ChoiceInput[] } = {
  context: "The capital of France is",
  choices: [
    {
      label: " Paris",
      totalLogprob: -0.9,
      mutualInformation: 5.1,
      isGreedy: true,
      rows: [
        tokenRow({ position: 6, token: " Par", logprob: -0.7 }),
        tokenRow({ position: 7, token: "is", logprob: -0.2 }),
      ],
    },
    {
      label: " Zürich",
      totalLogprob: -0.95,
      mutualInformation: 1.2,
      rows: [tokenRow({ position: 6, token: " Zürich", logprob: -0.95 })],
    },
    { label: " the city of Paris", totalLogprob: -4.2, mutualInformation: 6.3 },
  ],
};

function rounded(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v)),
  );
}

describe("plot.choices", () => {
  it("draws one panel per score with a bar per choice, computing per token, char and byte", () => {
    const spec = choices(INPUT);
    const panels = spec.data as Bar[];
    expect(panels.map((p) => p.name)).toEqual([
      "sum (acc)",
      "per token",
      "per character (acc_norm)",
      "per byte (acc_bytes)",
      "mutual information (acc_mutual_info)",
    ]);
    expect(panels.map((p) => [p.xaxis, p.yaxis])).toEqual([
      ["x", "y"],
      ["x2", "y2"],
      ["x3", "y3"],
      ["x4", "y4"],
      ["x5", "y5"],
    ]);
    const [sum, perToken, perChar, perByte] = panels;
    expect(sum.x).toEqual(["␣Paris", "␣Zürich", "␣the␣city␣of␣Paris"]);
    expect(sum.y).toEqual([-0.9, -0.95, -4.2]);
    // Per token needs the rows: the third choice has none, so it has no bar.
    expect(perToken.y).toEqual([-0.45, -0.95, null]);
    expect(perToken.text[2]).toBe("n/a");
    // Characters are code points (" Zürich" = 7), bytes are UTF-8 (" Zürich" = 8).
    expect(perChar.y.map((v) => +(v as number).toFixed(6))).toEqual([-0.15, -0.135714, -0.233333]);
    expect(perByte.y.map((v) => +(v as number).toFixed(6))).toEqual([-0.15, -0.11875, -0.233333]);
    expect((spec.layout.yaxis3 as { title: { text: string } }).title.text).toBe("nats/char");
    expect(rounded(spec)).toMatchSnapshot();
  });

  it("marks the winner of each score with ★ in its label and an outline, not only colour", () => {
    const spec = choices(INPUT);
    const panels = spec.data as Bar[];
    const starred = panels.map((p) => p.text.flatMap((t, i) => (t.includes("★") ? [i] : [])));
    expect(starred).toEqual([[0], [0], [1], [1], [2]]);
    expect(panels[0].text[0]).toBe("-0.900 ★");
    expect(panels[0].marker.line.width).toEqual([3, 0, 0]);
    const titles = (spec.layout.annotations as { text: string }[]).map((a) => a.text);
    expect(titles[2]).toBe("<b>per character (acc_norm)</b><br>★ ␣Zürich");
    expect((spec.layout.title as { text: string }).text).toContain("the scores disagree");
    expect((spec.layout.title as { text: string }).text).toContain("context “The capital of France is”");
  });

  it("stars every choice of a tie and leaves out a score no choice has", () => {
    const spec = choices([
      { label: "A", totalLogprob: -1 },
      { label: "B", totalLogprob: -1 },
    ]);
    const panels = spec.data as Bar[];
    expect(panels.map((p) => p.name)).toEqual([
      "sum (acc)",
      "per character (acc_norm)",
      "per byte (acc_bytes)",
    ]);
    expect(panels[0].text).toEqual(["-1.000 ★", "-1.000 ★"]);
    expect((spec.layout.title as { text: string }).text).toContain("every score picks the same choice");
  });

  it("lists each choice's tokens on hover, escaped, with is_greedy, and converts to bits on request", () => {
    const spec = choices(
      {
        choices: [
          {
            label: "<b>",
            totalLogprob: -2,
            rows: [tokenRow({ token: "<b>", logprob: -2 })],
            isGreedy: false,
          },
          { label: "&", totalLogprob: -1 },
        ],
      },
      { unit: "bits", palette: "colorblind" },
    );
    const sum = spec.data[0] as Bar;
    expect(JSON.stringify(spec)).not.toContain('"<b>"');
    expect(sum.hovertext[0].startsWith("<b>&lt;b&gt;</b><br>")).toBe(true);
    expect(sum.x).toEqual(["&lt;b&gt;", "&amp;"]);
    expect(sum.hovertext[0]).toContain("tokens: &lt;b&gt; -2.00");
    expect(sum.hovertext[0]).toContain("greedy: no");
    expect(sum.y[0]).toBeCloseTo(-2 / Math.LN2, 6);
    expect((spec.layout.yaxis as { title: { text: string } }).title.text).toBe("bits");
    expect(sum.marker.color).toEqual(["#0072B2", "#E69F00"]);
    expect(() => choices([])).toThrow(UsageError);
    // A total that is unknown (−Infinity from an unknown token logprob) is "n/a", never a winner.
    const unknown = choices([
      { label: "A", totalLogprob: Number.NEGATIVE_INFINITY },
      { label: "B", totalLogprob: -3 },
    ]).data[0] as Bar;
    expect(unknown.y).toEqual([null, -3]);
    expect(unknown.text).toEqual(["n/a", "-3.000 ★"]);
  });
});
