// Rebuilds the embedded model reproducibly from the pinned corpus in assets/model/sources.json:
//   npm run build && node scripts/build-model.mjs [--cache DIR]
// Writes assets/model/trigram-kn.bin.gz and assets/model/manifest.json and prints token counts,
// build time, held-out perplexity, file size and sha256. Needs npm, apt-get (run `apt-get update`
// once), tar and dpkg-deb. Downloads are cached (default: $TMPDIR/logprob-lab-model-sources).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractDocuments, fetchArchive } from "./model/sources.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modelDir = join(root, "assets/model");
const MODEL_FILE = "trigram-kn.bin.gz";
const args = process.argv.slice(2);
const cacheDir = args.includes("--cache")
  ? args[args.indexOf("--cache") + 1]
  : join(tmpdir(), "logprob-lab-model-sources");

const require = createRequire(import.meta.url);
const dist = (file) => {
  try {
    return require(join(root, "dist/cjs/local", file));
  } catch (error) {
    throw new Error(`cannot load dist/cjs/local/${file} (${error.message}); run \`npm run build\` first.`);
  }
};
const { loadTokenizer } = dist("tokenizer.js");
const { buildKneserNey } = dist("kneser-ney-builder.js");
const { serializeModel, modelFromFile, sha256Hex } = dist("model-file.js");

const pinned = JSON.parse(readFileSync(join(modelDir, "sources.json"), "utf8"));
const { settings } = pinned;
const seconds = (start) => (performance.now() - start) / 1000;

// 1. Corpus: verified archives → paragraphs → token ids.
const work = mkdtempSync(join(tmpdir(), "logprob-lab-model-"));
const tokenizer = loadTokenizer();
const train = [];
const heldOut = [];
const perSource = [];
let start = performance.now();
try {
  for (const source of pinned.sources) {
    const archive = fetchArchive(source, cacheDir);
    const docs = extractDocuments(source, archive, join(work, source.id), settings);
    const trainIds = docs.train.map((text) => tokenizer.encode(text));
    const heldOutIds = docs.heldOut.map((text) => tokenizer.encode(text));
    train.push(...trainIds);
    heldOut.push(...heldOutIds);
    const count = (list) => list.reduce((n, ids) => n + ids.length, 0);
    perSource.push({
      id: source.id,
      kind: source.kind,
      name: source.name,
      version: source.version,
      ...(source.kind === "npm" ? { integrity: source.integrity } : { sha256: source.sha256 }),
      licence: source.licence,
      trainDocuments: trainIds.length,
      trainTokens: count(trainIds),
      heldOutDocuments: heldOutIds.length,
      heldOutTokens: count(heldOutIds),
    });
    console.log(
      `${source.id}: ${count(trainIds)} training tokens in ${trainIds.length} paragraphs, ${count(heldOutIds)} held out`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const tokenizeSeconds = seconds(start);
const trainTokens = perSource.reduce((n, s) => n + s.trainTokens, 0);
if (trainTokens < 2_000_000)
  throw new Error(`only ${trainTokens} training tokens; at least 2,000,000 are required`);

// 2. Counts → tables → file.
start = performance.now();
const { tables, stats } = buildKneserNey(train, { pruneSingletons: settings.pruneSingletons });
const buildSeconds = seconds(start);
const corpus = perSource.map(({ id, name, version, licence, trainTokens: t, heldOutTokens: h }) => ({
  id,
  name,
  version,
  licence,
  trainTokens: t,
  heldOutTokens: h,
}));
const meta = {
  tokenizer: pinned.tokenizer,
  pruning: settings.pruneSingletons ? "trigram singletons (mass moved to back-off)" : "none",
  documents: "one paragraph per document, wrapped as <|begin_of_text|> … <|end_of_text|>",
  corpus,
};
const file = serializeModel(tables, meta);
writeFileSync(join(modelDir, MODEL_FILE), file);
const sha256 = sha256Hex(file);

// 3. Load it back the way the library does, and score the held-out text with it.
start = performance.now();
const model = modelFromFile(file, MODEL_FILE);
const loadSeconds = seconds(start);
let nll = 0;
let predictions = 0;
let top1 = 0;
let top20 = 0;
start = performance.now();
for (const doc of heldOut) {
  const ids = Uint32Array.from([tables.bos, ...doc, tables.eos]);
  for (let i = 1; i < ids.length; i++) {
    const q = model.query(ids.subarray(0, i), ids[i], 20);
    nll -= q.logprob;
    predictions++;
    if (q.rank === 1) top1++;
    if (q.rank <= 20) top20++;
  }
}
const querySeconds = seconds(start);
const perplexity = Math.exp(nll / predictions);

const round = (x, digits = 4) => Number(x.toFixed(digits));
const manifest = {
  model: { file: MODEL_FILE, bytes: file.length, sha256, format: "logprob-lab/kneser-ney-trigram v1" },
  rebuild: "npm run build && npm run model:build",
  tokenizer: pinned.tokenizer,
  settings: { ...settings, discounts: tables.discounts.map((d) => d.map((x) => round(x, 6))) },
  tokens: {
    train: trainTokens,
    heldOut: perSource.reduce((n, s) => n + s.heldOutTokens, 0),
    trainDocuments: stats.documents,
  },
  ngrams: {
    unigramTypes: stats.unigramTypes,
    bigramTypes: stats.bigramTypes,
    trigramTypes: stats.trigramTypes,
    trigramsKept: stats.trigramsKept,
  },
  heldOut: {
    predictions,
    perplexity: round(perplexity, 2),
    top1: round(top1 / predictions),
    top20: round(top20 / predictions),
  },
  sources: perSource,
};
writeFileSync(join(modelDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

console.log(`
training tokens      ${trainTokens} in ${stats.documents} paragraphs (tokenized in ${tokenizeSeconds.toFixed(1)} s)
held-out tokens      ${manifest.tokens.heldOut} (${predictions} predictions incl. EOS)
n-grams              ${stats.unigramTypes} unigram / ${stats.bigramTypes} bigram / ${stats.trigramTypes} trigram types, ${stats.trigramsKept} trigrams kept
build                ${buildSeconds.toFixed(2)} s
held-out perplexity  ${perplexity.toFixed(2)} (top-1 ${((100 * top1) / predictions).toFixed(1)}%, top-20 ${((100 * top20) / predictions).toFixed(1)}%)
model file           assets/model/${MODEL_FILE}, ${(file.length / 1e6).toFixed(2)} MB, sha256 ${sha256}
load                 ${loadSeconds.toFixed(2)} s
query rate           ${Math.round(predictions / querySeconds)} positions/s (top-20 + exact rank, cold caches)`);
