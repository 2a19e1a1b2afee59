import fc from "fast-check";
import { acceptsPromptLogprobs } from "../../src/providers/accepts-prompt-logprobs.js";
import {
  type PromptLogprobEntries,
  promptLogprobEntries,
} from "../../src/providers/prompt-logprob-entries.js";
import type { VllmLogprob } from "../../src/providers/vllm-schema.js";

/*
 * The reference the body scanner is held to (what JSON.parse and the validated path give for the
 * same text), and arbitrary `prompt_logprobs` texts in the forms a JSON writer may use.
 */

/** `promptLogprobEntries` of a parsed `prompt_logprobs` array, with `key: null` as the scanner gives it. */
export function referenceEntries(parsed: unknown): PromptLogprobEntries {
  const entries = promptLogprobEntries(parsed as (Record<string, VllmLogprob> | null)[]);
  return { ...entries, key: null };
}

const COLUMNS = ["present", "start", "id", "lookup", "logprob", "rank"] as const;

/** The first difference between two entry sets (number columns compared element by element with Object.is: NaN and -0 count), or undefined. */
export function entriesDifference(got: unknown, want: PromptLogprobEntries): string | undefined {
  const entries = got as PromptLogprobEntries;
  if (entries.length !== want.length) return `length ${entries.length} ≠ ${want.length}`;
  if (entries.key !== null) return "key is not null";
  for (const column of COLUMNS) {
    const a = entries[column];
    const b = want[column];
    if (a.length !== b.length) return `${column}.length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return `${column}[${i}] ${a[i]} ≠ ${b[i]}`;
  }
  if (entries.decoded.length !== want.decoded.length) return "decoded.length differs";
  for (let i = 0; i < want.decoded.length; i++)
    if (entries.decoded[i] !== want.decoded[i])
      return `decoded[${i}] ${JSON.stringify(entries.decoded[i])} ≠ ${JSON.stringify(want.decoded[i])}`;
  return undefined;
}

/** What scanBody must give for a text: the envelope and hot entries, or "refuse" (the text is no JSON, or a hot array is one acceptsPromptLogprobs refuses). */
export function expectedScan(
  text: string,
  paths: readonly (readonly string[])[],
): { envelope: unknown; hot: Map<string, PromptLogprobEntries> } | "refuse" {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return "refuse";
  }
  const hot = new Map<string, PromptLogprobEntries>();
  let refused = false;
  const visit = (
    node: unknown,
    path: readonly string[],
    depth: number,
    at: string[],
    set: (v: null) => void,
  ) => {
    if (depth === path.length) {
      if (!Array.isArray(node)) return;
      if (!acceptsPromptLogprobs(node)) refused = true;
      else hot.set(at.join("."), referenceEntries(node));
      set(null);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const key = path[depth] as string;
    if (key === "*") {
      if (!Array.isArray(node)) return;
      node.forEach((child, i) => {
        visit(child, path, depth + 1, [...at, String(i)], (v) => {
          node[i] = v;
        });
      });
    } else if (!Array.isArray(node) && Object.hasOwn(node, key)) {
      const record = node as Record<string, unknown>;
      visit(record[key], path, depth + 1, [...at, key], (v) => {
        record[key] = v;
      });
    }
  };
  for (const path of paths)
    visit(envelope, path, 0, [], (v) => {
      envelope = v;
    });
  return refused ? "refuse" : { envelope, hot };
}

/** The first difference between a scan and what it must be, or undefined (a refusal is no difference unless `mustScan`). */
export function scanDifference(
  got: { envelope: unknown; hot: ReadonlyMap<string, unknown> } | undefined,
  want: ReturnType<typeof expectedScan>,
  mustScan: boolean,
): string | undefined {
  if (got === undefined) return mustScan && want !== "refuse" ? "refused a body it can read" : undefined;
  if (want === "refuse") return "read a body that must be refused";
  if (!sameJson(got.envelope, want.envelope)) return "envelope differs";
  const paths = (hot: ReadonlyMap<string, unknown>) => [...hot.keys()].sort().join(" ");
  if (paths(got.hot) !== paths(want.hot)) return `hot paths ${paths(got.hot)} ≠ ${paths(want.hot)}`;
  for (const [path, entries] of want.hot) {
    const difference = entriesDifference(got.hot.get(path), entries);
    if (difference !== undefined) return `${path}: ${difference}`;
  }
  return undefined;
}

/** Deep equality of parsed JSON (same keys in the same order, numbers by Object.is), without recursion: mutated bodies nest 12,000 deep. */
function sameJson(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  while (pending.length > 0) {
    const [x, y] = pending.pop() as [unknown, unknown];
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") {
      if (!Object.is(x, y)) return false;
      continue;
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const keys = Object.keys(x);
    const others = Object.keys(y);
    if (keys.length !== others.length) return false;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      if (key !== others[k]) return false;
      pending.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

const space = fc.constantFrom("", "", "", "", " ", "\n", "\t", "\r\n  ");

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((d) => d.join(""));

/** JSON number literals: every part of the grammar, long mantissas, exponents, and the values with a meaning. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.double({ min: -30, max: 0, noNaN: true }).map(String),
  fc
    .record({
      sign: fc.constantFrom("", "-"),
      int: fc.oneof(
        fc.constant("0"),
        fc.tuple(fc.constantFrom(..."123456789"), digits(0, 20)).map(([a, b]) => a + b),
      ),
      fraction: fc.option(digits(1, 26), { nil: "" }),
      exponent: fc.option(
        fc
          .tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), digits(1, 3))
          .map((p) => p.join("")),
        { nil: "" },
      ),
    })
    .map(({ sign, int, fraction, exponent }) => `${sign}${int}${fraction ? `.${fraction}` : ""}${exponent}`),
  fc.constantFrom(
    ...["-0", "-0.0", "0", "-9999", "-9999.0", "-9999.5", "-9998.9", "-10000", "1e-7", "5e-7", "0.000001"],
    ...["1e-6", "0.0000011", "2", "1e999", "-1e999", "-1.7976931348623157e308", "5e-324", "-5e-324"],
    ...["9007199254740993", "-3.0976105494934085", "-8.824763696743469", "-0.1", "-1E+2", "-2.5e-3"],
    ...["-12345678901234567890.5", "-0.30000000000000004", "-123456789012345678901234"],
  ),
);

const rankText = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 1, max: 200_000 }).map(String) },
  { weight: 4, arbitrary: fc.constantFrom("1.0", "1e2", "1E0", "10.000", "0", "-1", "2.5", "null", "1e300") },
  { weight: 1, arbitrary: fc.constantFrom("9007199254740991", "9007199254740993") },
  { weight: 1, arbitrary: numberText },
);

/** A string's JSON form with its characters escaped at random (\uXXXX in either case, short escapes, \/). */
const stringText = fc
  .tuple(fc.string({ unit: "grapheme", maxLength: 6 }), fc.array(fc.nat(5), { maxLength: 12 }))
  .map(([s, choices]) => {
    let out = '"';
    let k = 0;
    for (const ch of s) {
      for (const unit of ch.length > 1 ? [ch[0] as string, ch[1] as string] : [ch]) {
        const choice = choices[k++ % Math.max(choices.length, 1)] ?? 0;
        const code = unit.charCodeAt(0);
        const hex = code.toString(16).padStart(4, "0");
        if (choice === 1) out += `\\u${hex}`;
        else if (choice === 2) out += `\\u${hex.toUpperCase()}`;
        else if (unit === "/" && choice === 3) out += "\\/";
        else out += JSON.stringify(unit).slice(1, -1);
      }
    }
    return `${out}"`;
  });

const decodedText = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => JSON.stringify(s)) },
  { weight: 3, arbitrary: stringText },
  {
    weight: 1,
    arbitrary: fc.constantFrom("null", '"\\ud800"', '"\\"\\\\"', '"é😀"', '"\\u00e9"', '"<|eot_id|>"'),
  },
);

/** One entry: logprob (rarely left out), rank and decoded_token when present, in any order, with any spacing. */
const entryText = fc
  .record({
    logprob: fc.option(
      fc.oneof({ weight: 9, arbitrary: numberText }, { weight: 1, arbitrary: fc.constant("null") }),
      {
        freq: 30,
      },
    ),
    rank: fc.option(rankText, { freq: 4 }),
    decoded: fc.option(decodedText, { freq: 4 }),
    order: fc.nat(5),
    gaps: fc.array(space, { minLength: 16, maxLength: 16 }),
  })
  .map(({ logprob, rank, decoded, order, gaps }) => {
    const fields: string[] = [];
    if (logprob !== null) fields.push(`"logprob"${gaps[0]}:${gaps[1]}${logprob}`);
    if (rank !== null) fields.push(`"rank"${gaps[2]}:${gaps[3]}${rank}`);
    if (decoded !== null) fields.push(`"decoded_token"${gaps[4]}:${gaps[5]}${decoded}`);
    for (let k = 0; k < order && fields.length > 0; k++) fields.push(fields.shift() as string);
    if (order % 2 === 1) fields.reverse();
    return `{${gaps[6]}${fields.map((f, k) => f + (gaps[7 + k] as string)).join(`,${gaps[10]}`)}}`;
  });

/** A dict of distinct canonical ids (small ones, and up to 2^31 - 1) in any order. */
const dictText = fc
  .tuple(
    fc.uniqueArray(fc.oneof(fc.nat(300), fc.nat(2 ** 31 - 1)), { maxLength: 6 }),
    fc.array(entryText, { minLength: 6, maxLength: 6 }),
    space,
  )
  .map(
    ([ids, entries, gap]) => `{${gap}${ids.map((id, k) => `"${id}"${gap}:${entries[k]}`).join(`,${gap}`)}}`,
  );

/** A `prompt_logprobs` array's text: nulls and dicts. */
export const promptLogprobsText: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.oneof(fc.constant("null"), dictText), { maxLength: 8 }), space)
  .map(([dicts, gap]) => `[${gap}${dicts.join(`${gap},${gap}`)}${gap}]`);

/** A completions body (one or two choices, envelope strings with brackets and escapes) or a chat body with `prompt_logprobs` at the top. */
export const bodyText: fc.Arbitrary<string> = fc
  .tuple(fc.array(promptLogprobsText, { minLength: 1, maxLength: 2 }), fc.boolean(), space)
  .map(([arrays, chat, gap]) => {
    if (chat)
      return `{"id":"chatcmpl-1",${gap}"choices":[{"index":0,"message":{"content":"[{\\"]"}}],"prompt_logprobs":${gap}${arrays[0]}}`;
    const choices = arrays.map(
      (a, i) =>
        `{"index":${i},"text":"a\\"[{\\\\",${gap}"logprobs":null,"prompt_logprobs":${gap}${a}${gap},"prompt_token_ids":[1,2]}`,
    );
    return `{"id":"cmpl-1","choices":[${choices.join(",")}],${gap}"usage":{"prompt_tokens":2,"total_tokens":3}}`;
  });

/** The hot paths of the vLLM completions and chat bodies. */
export const HOT_PATHS = [["choices", "*", "prompt_logprobs"], ["prompt_logprobs"]] as const;
