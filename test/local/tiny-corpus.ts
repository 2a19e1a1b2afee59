import { buildKneserNey } from "../../src/local/kneser-ney-builder.js";
import type { KneserNeyTables } from "../../src/local/kneser-ney-tables.js";
import { createRandom } from "../../src/local/random.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";

const SUBJECTS = ["The cat", "The dog", "A bird", "My neighbour", "The old sailor", "Our teacher", "Anne"];
const VERBS = ["sat on", "looked at", "walked past", "talked about", "sang to", "forgot"];
const OBJECTS = ["the mat", "the garden", "a letter", "the harbour", "her brother", "the red door", "日本語"];
const ENDINGS = [".", "!", " again.", " yesterday.", "?"];

/**
 * Paragraphs composed from a few word lists with a seeded generator: small enough to build in
 * milliseconds, varied enough to have counts 1, 2, 3+ at every order, BOS contexts and unseen tokens.
 */
export function tinyTexts(count = 400, seed = 7): string[] {
  const random = createRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const sentences = 1 + Math.floor(random() * 3);
    const parts: string[] = [];
    for (let s = 0; s < sentences; s++)
      parts.push(`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}${pick(ENDINGS)}`);
    texts.push(parts.join(" "));
  }
  return texts;
}

/** Token ids of {@link tinyTexts}. */
export function tinyDocuments(count?: number, seed?: number): number[][] {
  const tokenizer = loadTokenizer();
  return tinyTexts(count, seed).map((text) => tokenizer.encode(text));
}

/** Tables of the tiny corpus, pruned (the shipped form) unless told otherwise. */
export function tinyTables(pruneSingletons = true): KneserNeyTables {
  return buildKneserNey(tinyDocuments(), { pruneSingletons }).tables;
}
