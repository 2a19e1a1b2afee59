import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { KneserNeyModel } from "./kneser-ney-model.js";
import { ModelFileError, modelFromFile, sha256Hex } from "./model-file.js";

/** Where the shipped model lives, relative to the package root. @example join(root, EMBEDDED_MODEL_DIR) */
export const EMBEDDED_MODEL_DIR = "assets/model";

const REBUILD = "rebuild it with `npm run build && npm run model:build` (or restore assets/model/ from git)";

let singleton: KneserNeyModel | undefined;

/**
 * The shipped Kneser-Ney trigram model over Llama 3 ids, loaded on first use (~0.3 s) and shared.
 * The file's sha256 must match `assets/model/manifest.json`.
 *
 * @example
 * const model = loadEmbeddedModel(); model.query([128000], 791, 20).rank
 */
export function loadEmbeddedModel(): KneserNeyModel {
  if (singleton === undefined) {
    const dir = join(findPackageRoot(__dirname), EMBEDDED_MODEL_DIR);
    const manifestPath = join(dir, "manifest.json");
    if (!existsSync(manifestPath)) throw new ModelFileError(`${manifestPath} is missing; ${REBUILD}.`);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      model?: { file?: string; sha256?: string };
    };
    const file = manifest.model?.file;
    const sha256 = manifest.model?.sha256;
    if (typeof file !== "string" || typeof sha256 !== "string") {
      throw new ModelFileError(`${manifestPath} names no model file and sha256; ${REBUILD}.`);
    }
    singleton = loadModelFile(join(dir, file), sha256);
  }
  return singleton;
}

/**
 * Loads a model file after checking it against the sha256 its manifest records.
 *
 * @example
 * loadModelFile("assets/model/trigram-kn.bin.gz", manifest.model.sha256)
 */
export function loadModelFile(path: string, expectedSha256: string): KneserNeyModel {
  if (!existsSync(path)) throw new ModelFileError(`model file ${path} is missing; ${REBUILD}.`);
  const bytes = readFileSync(path);
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256.toLowerCase()) {
    throw new ModelFileError(
      `model file ${path} has sha256 ${actual}, but its manifest records ${expectedSha256}: the file is damaged or does not belong to this manifest; ${REBUILD}.`,
    );
  }
  return modelFromFile(bytes, path);
}

/**
 * The logprob-lab package root: the nearest folder upward whose package.json is named "logprob-lab".
 * The code runs from src/local under vitest and from dist/cjs/local once built, so no fixed depth works.
 *
 * @example
 * findPackageRoot(__dirname) // "/work/main"
 */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "logprob-lab")
          return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    if (dirname(dir) === dir) {
      throw new ModelFileError(
        `no package.json named "logprob-lab" above ${start} (${relative(process.cwd(), start) || "."}); the package is installed incompletely.`,
      );
    }
  }
}
