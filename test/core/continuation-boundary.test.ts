import { describe, expect, it } from "vitest";
import { commonPrefixLength, continuationStart } from "../../src/core/continuation-boundary.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const utf8Length = (text: string) => bytes(text).length;

describe("continuationStart", () => {
  it("gives a token that spans the boundary to the continuation", () => {
    // "The cat sat on the ma" + "t", tokenized together: … " the" " mat"
    const joint = [
      null,
      bytes("The"),
      bytes(" cat"),
      bytes(" sat"),
      bytes(" on"),
      bytes(" the"),
      bytes(" mat"),
    ];
    expect(continuationStart(joint, utf8Length("The cat sat on the ma"))).toEqual({
      index: 6,
      overlapBytes: 3,
    });
  });

  it("starts at the next token when the boundary falls between tokens", () => {
    const joint = [null, bytes("Answer"), bytes(":"), bytes(" Paris")];
    expect(continuationStart(joint, utf8Length("Answer:"))).toEqual({ index: 3, overlapBytes: 0 });
    // "Answer: " + "Paris": the space is context, but its token " Paris" holds continuation bytes.
    expect(continuationStart(joint, utf8Length("Answer: "))).toEqual({ index: 3, overlapBytes: 1 });
  });

  it("keeps tokens wholly inside the context as context, however the context alone tokenizes", () => {
    // "a  " alone is "a" "  ", but "a  x" is "a" " " " x": only " x" holds a continuation byte.
    expect(continuationStart([null, bytes("a"), bytes(" "), bytes(" x")], utf8Length("a  "))).toEqual({
      index: 3,
      overlapBytes: 1,
    });
    expect(commonPrefixLength([128000, 64, 256], [128000, 64, 220, 865])).toBe(2);
  });

  it("counts bytes, not characters, across multi-byte and split characters", () => {
    // "日本語😊" + "!" with the emoji split over two tokens (F0 9F 98 | 8A)
    const emoji = bytes("😊");
    const joint = [null, bytes("日本"), bytes("語"), emoji.slice(0, 3), emoji.slice(3), bytes("!")];
    expect(continuationStart(joint, utf8Length("日本語😊"))).toEqual({ index: 5, overlapBytes: 0 });
    // "日本語" + "😊!": the first emoji token is the continuation's first.
    expect(continuationStart(joint, utf8Length("日本語"))).toEqual({ index: 3, overlapBytes: 0 });
  });

  it("is the first token after the special ones for an empty context, and null past the end", () => {
    expect(continuationStart([null, bytes("Hi")], 0)).toEqual({ index: 1, overlapBytes: 0 });
    expect(continuationStart([null, bytes("Hi")], 2)).toBeNull();
  });
});
