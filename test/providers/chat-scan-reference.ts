import fc from "fast-check";
import { acceptsChatTokenLogprobs } from "../../src/providers/accepts-chat-token-logprobs.js";
import {
  type ChatLogprobEntries,
  chatLogprobEntries,
  itemBytes,
  itemToken,
} from "../../src/providers/chat-logprob-entries.js";
import type { ChatTokenLogprob } from "../../src/providers/openai-chat-schema.js";
import { numberText } from "./scan-reference.js";

/*
 * The reference the chat logprobs scanner is held to (JSON.parse, the hand check and
 * chatLogprobEntries of the same text), and arbitrary `logprobs.content` texts in the forms a JSON
 * writer may use.
 */

/** `chatLogprobEntries` of a parsed array the hand check accepts; undefined when it refuses it. */
export function referenceChatEntries(parsed: unknown): ChatLogprobEntries | undefined {
  return acceptsChatTokenLogprobs(parsed) ? chatLogprobEntries(parsed as ChatTokenLogprob[]) : undefined;
}

/** Whether every logprob of a parsed array is finite or null (the scanner reads no others). */
export function finiteLogprobs(parsed: unknown): boolean {
  const finite = (item: { logprob: number | null }) => item.logprob === null || Number.isFinite(item.logprob);
  return (parsed as ChatTokenLogprob[]).every((e) => finite(e) && (e.top_logprobs ?? []).every(finite));
}

/**
 * The first difference between two entry sets, or undefined: numbers by Object.is (NaN and -0
 * count), bytes item by item (null apart from [], wherever they lie in the pool).
 */
export function chatEntriesDifference(got: unknown, want: ChatLogprobEntries): string | undefined {
  const entries = got as ChatLogprobEntries;
  if (entries.length !== want.length) return `length ${entries.length} ≠ ${want.length}`;
  for (const column of ["start", "logprob", "nullLogprob"] as const) {
    const a = entries[column];
    const b = want[column];
    if (a.length !== b.length) return `${column}.length ${a.length} ≠ ${b.length}`;
    for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return `${column}[${i}] ${a[i]} ≠ ${b[i]}`;
  }
  if (entries.text.length !== want.text.length) return "text.length differs";
  for (let i = 0; i < want.text.length; i++) {
    const token = itemToken(entries, i);
    if (token !== itemToken(want, i))
      return `token ${i} ${JSON.stringify(token)} ≠ ${JSON.stringify(itemToken(want, i))}`;
    const a = itemBytes(entries, i);
    const b = itemBytes(want, i);
    if ((a === null) !== (b === null) || (a && b && a.join() !== b.join()))
      return `bytes[${i}] ${a?.join()} ≠ ${b?.join()}`;
  }
  return undefined;
}

const space = fc.constantFrom("", "", "", "", " ", "\n", "\t", "\r\n  ");

/** A token's JSON string: plain, with escapes (short and \u in either case), or special. */
const tokenText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }).map((s) => JSON.stringify(s)) },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: "grapheme", maxLength: 4 })
      .map((s) => `"${[...s].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...['" the"', '"token_id:791"', '"token_id:12"', '""', '"\\ud800"', '"\\"\\\\\\/"', '"é😀"'],
      ...['"<|eot_id|>"', '"a very long token text, longer than 13"', '"\\u00E9"'],
    ),
  },
);

const logprobText = fc.oneof(
  { weight: 8, arbitrary: numberText },
  { weight: 1, arbitrary: fc.constant("null") },
  { weight: 2, arbitrary: fc.constantFrom("-0.5", "-1", "-9999.0", "-0", "0") },
);

/** `bytes` as servers write them (plain integers 0..255), null, [] or absent. */
const bytesText = fc.option(
  fc.oneof(
    fc.array(fc.nat(255), { maxLength: 5 }).map((b) => `[${b.join(",")}]`),
    fc.constantFrom("null", "[]", "[ 72 , 105 ]", "[0]", "[255,0]"),
  ),
  { freq: 5 },
);

/** One `{token, logprob, bytes?}` (with `top_logprobs` for a position), keys in any order. */
const itemText = (tops: fc.Arbitrary<string | null>) =>
  fc
    .record({
      token: tokenText,
      logprob: logprobText,
      bytes: bytesText,
      tops,
      order: fc.nat(5),
      gaps: fc.array(space, { minLength: 6, maxLength: 6 }),
    })
    .map(({ token, logprob, bytes, tops, order, gaps }) => {
      const fields = [`"token"${gaps[0]}:${gaps[1]}${token}`, `"logprob":${gaps[2]}${logprob}`];
      if (bytes !== null) fields.push(`"bytes":${bytes}`);
      if (tops !== null) fields.push(`"top_logprobs"${gaps[3]}:${tops}`);
      for (let k = 0; k < order; k++) fields.push(fields.shift() as string);
      if (order % 2 === 1) fields.reverse();
      return `{${gaps[4]}${fields.join(`,${gaps[5]}`)}}`;
    });

/** A `top_logprobs` array, null, or one with a repeated alternative (the dedupe's case). */
const topsText = fc
  .option(
    fc
      .tuple(fc.array(itemText(fc.constant(null)), { maxLength: 5 }), fc.boolean(), space)
      .map(([items, repeat, gap]) => {
        const list = repeat && items.length > 0 ? [...items, items[0] as string] : items;
        return `[${gap}${list.join(`,${gap}`)}]`;
      }),
    { freq: 8, nil: null },
  )
  .map((t) => (t === null ? "null" : t));

/** A `logprobs.content` array's text; an entry's token is often also listed among its alternatives. */
export const chatContentText: fc.Arbitrary<string> = fc
  .tuple(fc.array(itemText(fc.option(topsText, { freq: 6 })), { maxLength: 6 }), space)
  .map(([entries, gap]) => `[${gap}${entries.join(`,${gap}`)}${gap}]`);

/** A chat body: OpenAI's (`refusal` key, null or an array) or vLLM's (no `refusal`, `token_ids`), one or two choices. */
export const chatBodyText: fc.Arbitrary<string> = fc
  .tuple(fc.array(chatContentText, { minLength: 1, maxLength: 2 }), fc.constantFrom("openai", "vllm"), space)
  .map(([contents, server, gap]) => {
    const choices = contents.map((content, i) => {
      const refusal = server === "openai" ? `,"refusal":${i === 1 ? content : "null"}` : "";
      return `{"index":${i},"message":{"role":"assistant","content":"a\\"[{\\\\"},${gap}"logprobs":{"content":${gap}${content}${refusal}},"finish_reason":"stop"}`;
    });
    return `{"id":"chatcmpl-1","object":"chat.completion","model":"m","choices":[${choices.join(",")}],${gap}"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}`;
  });
