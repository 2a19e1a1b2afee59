import { test } from "vitest";
import { buildKneserNey } from "../../src/local/kneser-ney-builder.js";
import { KneserNeyModel } from "../../src/local/kneser-ney-model.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";

test("smoke", () => {
  const tok = loadTokenizer();
  const texts = ["The cat sat on the mat.", "The dog sat on the log.", "A cat and a dog.", "The cat sat on the mat again."];
  const { tables, stats } = buildKneserNey(texts.map((t) => tok.encode(t)), { pruneSingletons: false });
  console.log(stats, tables.discounts);
  const m = new KneserNeyModel(tables, "x");
  const ctx = [128000, ...tok.encode("The cat")];
  let s = 0;
  for (let w = 0; w < 128256; w++) s += Math.exp(m.logprob(ctx, w));
  console.log("sum", s, m.query(ctx, tok.encode(" sat")[0], 5), __dirname);
});
