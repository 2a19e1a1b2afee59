import { describe, expect, it } from "vitest";
import { embeddedEngine } from "../../src/local/engine.js";
import { createRandom } from "../../src/local/random.js";
import { choiceRandom, generateAll, interleave, sampleTokens } from "../../src/local/sampling-loop.js";
import { scriptedEngine } from "./engine-doubles.js";

describe("sampleTokens", () => {
  it("reports model.query of each drawn token, with the context before it", () => {
    const { model } = embeddedEngine();
    const prompt = [128000, 791, 6864];
    const { tokens, finish } = generateAll(model, prompt, {
      maxTokens: 6,
      temperature: 0.9,
      random: createRandom(3),
      topK: 4,
    });
    const context = [...prompt];
    for (const t of tokens) {
      expect(t.position).toBe(context.length);
      expect(t.query).toEqual(model.query(context, t.id, 4));
      context.push(t.id);
    }
    expect(finish).toBe(tokens.at(-1)?.finish);
    expect(tokens.slice(0, -1).every((t) => t.finish === null)).toBe(true);
  });

  it("is greedy at temperature 0 and reproducible with the same random stream", () => {
    const { model } = embeddedEngine();
    const greedy = [
      ...sampleTokens(model, [128000, 791], {
        maxTokens: 1,
        temperature: 0,
        random: Math.random,
        topK: null,
      }),
    ];
    expect(greedy[0]!.id).toBe(model.topK([128000, 791], 1)[0]!.id);
    expect(greedy[0]!.query).toBeNull();
    const run = () =>
      generateAll(model, [128000], {
        maxTokens: 8,
        temperature: 1,
        random: choiceRandom(9, 1),
        topK: null,
      }).tokens.map((t) => t.id);
    expect(run()).toEqual(run());
  });

  it("stops after <|eot_id|> or <|end_of_text|> with finish 'stop', else 'length'", () => {
    const { model } = scriptedEngine([11, 12, 128009, 13]);
    const stopped = generateAll(model, [128000], {
      maxTokens: 10,
      temperature: 1,
      random: Math.random,
      topK: 0,
    });
    expect(stopped.tokens.map((t) => t.id)).toEqual([11, 12, 128009]);
    expect(stopped.finish).toBe("stop");
    const cut = generateAll(model, [128000], { maxTokens: 2, temperature: 1, random: Math.random, topK: 0 });
    expect(cut.finish).toBe("length");
    expect(
      generateAll(model, [128000], { maxTokens: 0, temperature: 1, random: Math.random, topK: 0 }).finish,
    ).toBe("length");
  });
});

describe("interleave", () => {
  it("takes one item from each source in turn and stops when cancelled", async () => {
    const seen: string[] = [];
    const done = await interleave(
      [["a1", "a2", "a3"][Symbol.iterator](), ["b1"][Symbol.iterator]()],
      async (i, item) => {
        seen.push(`${i}:${item}`);
      },
      () => false,
    );
    expect(done).toBe(true);
    expect(seen).toEqual(["0:a1", "1:b1", "0:a2", "0:a3"]);
    const partial: string[] = [];
    const finished = await interleave(
      [["x", "y", "z"][Symbol.iterator]()],
      async (_, item) => {
        partial.push(item);
      },
      () => partial.length >= 2,
    );
    expect(finished).toBe(false);
    expect(partial).toEqual(["x", "y"]);
  });
});
