import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findPackageRoot, loadEmbeddedModel, loadModelFile } from "../../src/local/embedded-model.js";
import { ModelFileError } from "../../src/local/model-file.js";
import { loadTokenizer } from "../../src/local/tokenizer.js";

const root = findPackageRoot(__dirname);
const manifest = JSON.parse(readFileSync(join(root, "assets/model/manifest.json"), "utf8"));
const shipped = join(root, "assets/model", manifest.model.file);
const scratch = mkdtempSync(join(tmpdir(), "logprob-lab-model-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("loadEmbeddedModel", () => {
  it("finds the package root from the source folder", () => {
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name).toBe("logprob-lab");
    expect(() => findPackageRoot(tmpdir())).toThrow(/no package\.json named "logprob-lab"/);
  });

  it("loads the shipped model once, with the checksum its manifest records", () => {
    const model = loadEmbeddedModel();
    expect(loadEmbeddedModel()).toBe(model);
    expect(model.checksum).toBe(manifest.model.sha256);
    expect(model.vocabSize).toBe(128_256);
    expect(model.meta.tokenizer).toBe("llama3-tokenizer-js@1.2.0");
  });

  it("was trained on at least 2,000,000 tokens of the pinned sources", () => {
    expect(manifest.tokens.train).toBeGreaterThanOrEqual(2_000_000);
    expect(manifest.sources.map((s: { id: string }) => s.id)).toEqual(["sotu", "jargon", "austen"]);
  });

  it("behaves like a language model of English prose", () => {
    const tokenizer = loadTokenizer();
    const model = loadEmbeddedModel();
    const context = [128_000, ...tokenizer.encode("The President of the United")];
    expect(model.topK(context, 1)[0].id).toBe(tokenizer.encode(" States")[0]);
    expect(model.query(context, tokenizer.encode(" States")[0], 5).rank).toBe(1);
  });

  it("refuses a file whose sha256 differs from the manifest, saying how to rebuild", () => {
    const copy = join(scratch, "damaged.bin.gz");
    copyFileSync(shipped, copy);
    const bytes = readFileSync(copy);
    bytes[1000] ^= 1;
    writeFileSync(copy, bytes);
    const load = () => loadModelFile(copy, manifest.model.sha256);
    expect(load).toThrow(ModelFileError);
    expect(load).toThrow(
      new RegExp(`${copy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} has sha256 [0-9a-f]{64}`),
    );
    expect(load).toThrow(/npm run model:build/);
    expect(() => loadModelFile(shipped, "0".repeat(64))).toThrow(/manifest records 0{64}/);
  });

  it("says a missing file is missing", () => {
    expect(() => loadModelFile(join(scratch, "nope.bin.gz"), "0".repeat(64))).toThrow(
      /nope\.bin\.gz is missing/,
    );
  });
});
