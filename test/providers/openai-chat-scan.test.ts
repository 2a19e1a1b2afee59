import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseOpenAIChat, readChatText } from "../../src/providers/openai-chat.js";
import { outcome } from "../fixtures/load.js";
import { FUZZ_TIMEOUT_MS, fuzzParameters } from "../fuzz/fuzz-settings.js";
import { mutateText, textMutations } from "../fuzz/text-mutations.js";
import { benchShapedBody } from "./chat-bodies.js";
import { chatBodyText, finiteLogprobs, referenceChatEntries } from "./chat-scan-reference.js";

/** What parseOpenAIChat gives (rows, method, model, finish reason) or throws, for one choice. */
function parsed(body: unknown, choice: number) {
  return outcome(() => {
    const { rows, method, model, finishReason, dialect } = parseOpenAIChat(body, { choice });
    return { rows, method, model, finishReason, dialect };
  });
}

/** Whether the scanner must read this JSON: every logprobs array one the hand check accepts, with finite logprobs. */
function readable(value: unknown): boolean {
  const choices = (value as { choices?: { logprobs?: Record<string, unknown> }[] }).choices ?? [];
  return choices.every((choice) =>
    ["content", "refusal"].every((key) => {
      const list = choice.logprobs?.[key];
      return !Array.isArray(list) || (referenceChatEntries(list) !== undefined && finiteLogprobs(list));
    }),
  );
}

/**
 * readChatText then parseOpenAIChat gives what JSON.parse then parseOpenAIChat gives, or the scan
 * declines; whether it read the text.
 */
function check(text: string, mustScan: boolean): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    expect(readChatText(text), text).toBeUndefined();
    return false;
  }
  const scanned = readChatText(text);
  if (scanned === undefined) {
    expect(mustScan && readable(value), `declined ${text}`).toBe(false);
    return false;
  }
  for (const choice of [0, 1]) expect(parsed(scanned, choice), text).toStrictEqual(parsed(value, choice));
  return true;
}

describe("readChatText: a chat body scanned parses as the same body parsed by JSON.parse", () => {
  it("the bench-shaped body, compact and pretty-printed", () => {
    const body = benchShapedBody(200, 5);
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
      expect(readChatText(text)?.hot.has("choices.0.logprobs.content")).toBe(true);
      check(text, true);
    }
  });

  it("keeps the refusal key in the envelope (OpenAI's true top-k) with null for the arrays read", () => {
    const text =
      '{"choices":[{"index":0,"logprobs":{"content":[{"token":"a","logprob":-1}],"refusal":null}}]}';
    const scanned = readChatText(text);
    expect(scanned?.envelope).toStrictEqual({
      choices: [{ index: 0, logprobs: { content: null, refusal: null } }],
    });
  });

  it(
    "generated bodies: read exactly as JSON.parse + the validated path, or declined only where it may",
    () => {
      let read = 0;
      let runs = 0;
      fc.assert(
        fc.property(chatBodyText, (text) => {
          runs++;
          if (check(text, true)) read++;
        }),
        fuzzParameters(600),
      );
      // Most generated bodies are read (the rest hold a 1e999 logprob).
      expect(read).toBeGreaterThan(runs / 2);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "byte-mutated bodies: the same result or declined, never another value, never a throw",
    () => {
      const decoder = new TextDecoder();
      let read = 0;
      fc.assert(
        fc.property(chatBodyText, textMutations, (body, mutations) => {
          if (check(decoder.decode(mutateText(body, mutations)), false)) read++;
        }),
        fuzzParameters(1_500),
      );
      // Some mutations leave a body it reads (a changed number, whitespace, an envelope key).
      expect(read).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
