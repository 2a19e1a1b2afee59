import { describe, expect, it } from "vitest";
import {
  chatLogprobEntries,
  itemBytes,
  itemToken,
  joinChatLogprobEntries,
  sameItemBytes,
} from "../../src/providers/chat-logprob-entries.js";
import type { ChatTokenLogprob } from "../../src/providers/openai-chat-schema.js";

const content: ChatTokenLogprob[] = [
  {
    token: "Hi",
    logprob: -0.25,
    bytes: [72, 105],
    top_logprobs: [
      { token: "Hi", logprob: -0.25, bytes: [72, 105] },
      { token: "Yo", logprob: null, bytes: null },
      { token: "", logprob: Number.NaN, bytes: [] },
    ],
  },
  { token: "!", logprob: -0 },
  { token: "?", logprob: Number.NEGATIVE_INFINITY, bytes: null, top_logprobs: null },
];

describe("chatLogprobEntries: validated arrays as flat items", () => {
  it("lists each position's own item, then its alternatives", () => {
    const entries = chatLogprobEntries(content);
    expect(entries.length).toBe(3);
    expect(Array.from(entries.start)).toEqual([0, 4, 5, 6]);
    expect(Array.from({ length: 6 }, (_, at) => itemToken(entries, at))).toEqual([
      "Hi",
      "Hi",
      "Yo",
      "",
      "!",
      "?",
    ]);
  });

  it("keeps null logprobs flagged apart from NaN, and -0 and -Infinity as sent", () => {
    const entries = chatLogprobEntries(content);
    expect(Array.from(entries.nullLogprob)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(Array.from(entries.logprob)).toEqual([
      -0.25,
      -0.25,
      Number.NaN,
      Number.NaN,
      -0,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(Object.is(entries.logprob[4], -0)).toBe(true);
  });

  it("keeps bytes null and absent alike (none), [] as empty bytes", () => {
    const entries = chatLogprobEntries(content);
    expect(Array.from({ length: 6 }, (_, at) => itemBytes(entries, at)?.join(",") ?? null)).toEqual([
      "72,105",
      "72,105",
      null,
      "",
      null,
      null,
    ]);
    expect(sameItemBytes(entries, 0, 1)).toBe(true);
    expect(sameItemBytes(entries, 0, 3)).toBe(false);
  });

  it("gives no positions for null or absent arrays", () => {
    for (const list of [null, undefined, []]) expect(chatLogprobEntries(list).length).toBe(0);
  });
});

describe("joinChatLogprobEntries: content then refusal", () => {
  it("equals the entries of the two arrays written as one (offsets and token indices shifted)", () => {
    const refusal: ChatTokenLogprob[] = [
      {
        token: "No",
        logprob: -0,
        bytes: [78, 111],
        top_logprobs: [{ token: "No", logprob: null, bytes: null }],
      },
    ];
    const joined = joinChatLogprobEntries(chatLogprobEntries(content), chatLogprobEntries(refusal));
    const whole = chatLogprobEntries([...content, ...refusal]);
    expect(joined.length).toBe(whole.length);
    expect(Array.from(joined.start)).toEqual(Array.from(whole.start));
    for (let at = 0; at < 8; at++) {
      expect(itemToken(joined, at)).toBe(itemToken(whole, at));
      expect(itemBytes(joined, at)).toEqual(itemBytes(whole, at));
      expect(Object.is(joined.logprob[at], whole.logprob[at])).toBe(true);
      expect(joined.nullLogprob[at]).toBe(whole.nullLogprob[at]);
    }
  });

  it("hands either side back when the other is empty", () => {
    const entries = chatLogprobEntries(content);
    const none = chatLogprobEntries(null);
    expect(joinChatLogprobEntries(entries, none)).toBe(entries);
    expect(joinChatLogprobEntries(none, entries)).toBe(entries);
  });
});
