import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { KneserNeyModel } from "../../src/local/kneser-ney-model.js";
import {
  ModelFileError,
  modelFromFile,
  parseModelFile,
  serializeModel,
  sha256Hex,
} from "../../src/local/model-file.js";
import { createRandom } from "../../src/local/random.js";
import { tinyDocuments, tinyTables } from "./tiny-corpus.js";

const BOS = 128_000;
const tables = tinyTables();
const file = serializeModel(tables, { tokenizer: "llama3-tokenizer-js@1.2.0", note: "tiny" });

/** Re-packs a file after editing its JSON header. */
function withHeader(edit: (header: Record<string, any>) => void): Uint8Array {
  const raw = gunzipSync(file);
  const length = raw.readUInt32LE(6);
  const header = JSON.parse(raw.subarray(10, 10 + length).toString("utf8"));
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.from(raw.subarray(0, 10));
  prefix.writeUInt32LE(json.length, 6);
  return gzipSync(Buffer.concat([prefix, json, raw.subarray(10 + length)]));
}

describe("model files", () => {
  it("round-trip the tables exactly", () => {
    const { tables: back, header } = parseModelFile(file);
    expect(back).toEqual(tables);
    expect(header.meta).toEqual({ tokenizer: "llama3-tokenizer-js@1.2.0", note: "tiny" });
  });

  it("give a model that answers exactly like the one built in memory", () => {
    const built = new KneserNeyModel(tables, "built");
    const loaded = modelFromFile(file, "tiny.bin.gz");
    expect(loaded.checksum).toBe(sha256Hex(file));
    expect(loaded.meta).toEqual({ tokenizer: "llama3-tokenizer-js@1.2.0", note: "tiny" });
    const random = createRandom(2);
    for (const doc of tinyDocuments(20, 99)) {
      const ids = [BOS, ...doc];
      for (let i = 1; i < ids.length; i++) {
        const context = ids.slice(0, i);
        expect(loaded.query(context, ids[i], 20)).toEqual(built.query(context, ids[i], 20));
        const seed = Math.floor(random() * 1e9);
        expect(loaded.sample(context, createRandom(seed), 0.8)).toBe(
          built.sample(context, createRandom(seed), 0.8),
        );
      }
    }
  });

  it("serialize deterministically", () => {
    expect(
      sha256Hex(serializeModel(tinyTables(), { tokenizer: "llama3-tokenizer-js@1.2.0", note: "tiny" })),
    ).toBe(sha256Hex(file));
  });

  it("refuse a damaged file with an error naming it", () => {
    const damaged = file.slice();
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    expect(() => parseModelFile(damaged, "assets/model/x.bin.gz")).toThrow(ModelFileError);
    expect(() => parseModelFile(damaged, "assets/model/x.bin.gz")).toThrow(
      /assets\/model\/x\.bin\.gz is not a usable/,
    );
    expect(() => parseModelFile(file.subarray(0, file.length - 100), "cut")).toThrow(/gunzip failed/);
  });

  it("refuse other content, unknown formats and broken invariants", () => {
    expect(() => parseModelFile(gzipSync(Buffer.from("hello world, not a model")))).toThrow(/wrong magic/);
    expect(() => parseModelFile(withHeader((h) => (h.version = 2)))).toThrow(/v2 is unknown/);
    expect(() => parseModelFile(withHeader((h) => (h.discounts[0][0] = 1.5)))).toThrow(/0 < Dr < r/);
    expect(() => parseModelFile(withHeader((h) => (h.trigrams += 1)))).toThrow(
      /do not add up|unread|truncated|ends/,
    );
    expect(() => parseModelFile(withHeader((h) => (h.streams.trigramCounts -= 1)))).toThrow(ModelFileError);
  });
});
