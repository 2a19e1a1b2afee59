import { embeddedEngine } from "../../src/local/engine.js";
import type { Engine } from "../../src/local/engine-types.js";
import type { LanguageModel } from "../../src/local/language-model.js";

/** An engine (default: the embedded one) with `sample()` counted, to see whether a server is (still) generating. */
export function countingEngine(real: Engine = embeddedEngine()): { engine: Engine; samples: () => number } {
  let count = 0;
  const model: LanguageModel = {
    vocabSize: real.model.vocabSize,
    checksum: real.model.checksum,
    logprob: (context, token) => real.model.logprob(context, token),
    query: (context, actual, k) => real.model.query(context, actual, k),
    topK: (context, k) => real.model.topK(context, k),
    sample: (context, random, temperature) => {
      count++;
      return real.model.sample(context, random, temperature);
    },
  };
  return { engine: { ...real, model }, samples: () => count };
}

/**
 * The embedded engine, except that generation follows `script` (one sequence at a time: the script
 * restarts whenever a new sequence begins). Every logprob still comes from the real model, so a test
 * can force a stop token or a character split over several tokens and check the numbers.
 */
export function scriptedEngine(script: readonly number[]): Engine {
  const real = embeddedEngine();
  let lastLength = -1;
  let step = 0;
  const model: LanguageModel = {
    vocabSize: real.model.vocabSize,
    checksum: real.model.checksum,
    logprob: (context, token) => real.model.logprob(context, token),
    query: (context, actual, k) => real.model.query(context, actual, k),
    topK: (context, k) => real.model.topK(context, k),
    sample: (context) => {
      step = context.length === lastLength + 1 ? step + 1 : 0;
      lastLength = context.length;
      return script[Math.min(step, script.length - 1)]!;
    },
  };
  return { ...real, model };
}
