import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { LogprobLabError } from "../errors.js";
import { KneserNeyModel } from "./kneser-ney-model.js";
import type { Discounts, KneserNeyTables } from "./kneser-ney-tables.js";
import { VarintReader, VarintWriter } from "./varint.js";

/**
 * A model file that is missing, damaged, of another format, or not the one its manifest names.
 *
 * @example
 * try { loadEmbeddedModel() } catch (e) { if (e instanceof ModelFileError) console.error(e.message) }
 */
export class ModelFileError extends LogprobLabError {
  override name = "ModelFileError";
}

/** The file's JSON header. @example header.meta.corpus */
export interface ModelHeader {
  format: typeof FORMAT;
  version: 1;
  order: 3;
  vocabSize: number;
  bos: number;
  eos: number;
  discounts: Discounts[];
  bigrams: number;
  trigrams: number;
  /** Byte length of each stream, in file order. */
  streams: Record<StreamName, number>;
  /** Free-form description: tokenizer, pruning, corpus summary, build settings. */
  meta: Record<string, unknown>;
}

const FORMAT = "logprob-lab/kneser-ney-trigram";
const MAGIC = "LPLKN\n";
const STREAMS = [
  "unigramCounts",
  "bigramFanout",
  "bigramWords",
  "bigramCounts",
  "trigramFanout",
  "trigramPruned",
  "trigramWords",
  "trigramCounts",
] as const;
type StreamName = (typeof STREAMS)[number];

/**
 * Serializes tables as gzip( magic, u32 header length, JSON header, varint streams ). Word ids are
 * delta-coded within each history and every stream is separate, so gzip sees uniform data.
 *
 * @example
 * writeFileSync("model.bin.gz", serializeModel(tables, { tokenizer: "llama3-tokenizer-js@1.2.0" }));
 */
export function serializeModel(tables: KneserNeyTables, meta: Record<string, unknown> = {}): Uint8Array {
  const out = Object.fromEntries(STREAMS.map((name) => [name, new VarintWriter()])) as Record<
    StreamName,
    VarintWriter
  >;
  const { vocabSize, bigramStart, bigramWords, trigramStart, trigramWords } = tables;
  for (let w = 0; w < vocabSize; w++) out.unigramCounts.write(tables.unigramCounts[w]);
  for (let v = 0; v < vocabSize; v++) {
    out.bigramFanout.write(bigramStart[v + 1] - bigramStart[v]);
    writeChildren(
      out.bigramWords,
      out.bigramCounts,
      bigramWords,
      tables.bigramCounts,
      bigramStart[v],
      bigramStart[v + 1],
    );
  }
  for (let b = 0; b < bigramWords.length; b++) {
    const lo = trigramStart[b];
    const hi = trigramStart[b + 1];
    out.trigramFanout.write(hi - lo);
    if (hi > lo) out.trigramPruned.write(tables.trigramPruned[b]);
    writeChildren(out.trigramWords, out.trigramCounts, trigramWords, tables.trigramCounts, lo, hi);
  }
  const streams = STREAMS.map((name) => out[name].bytes());
  const header: ModelHeader = {
    format: FORMAT,
    version: 1,
    order: 3,
    vocabSize,
    bos: tables.bos,
    eos: tables.eos,
    discounts: [...tables.discounts],
    bigrams: bigramWords.length,
    trigrams: trigramWords.length,
    streams: Object.fromEntries(STREAMS.map((name, i) => [name, streams[i].length])) as Record<
      StreamName,
      number
    >,
    meta,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(MAGIC.length + 4);
  prefix.set(new TextEncoder().encode(MAGIC));
  new DataView(prefix.buffer).setUint32(MAGIC.length, json.length, true);
  return new Uint8Array(gzipSync(Buffer.concat([prefix, json, ...streams]), { level: 9 }));
}

/**
 * Reads a model file back into tables, checking every structural invariant; `name` appears in errors.
 *
 * @example
 * const { tables, header } = parseModelFile(readFileSync(path), path);
 */
export function parseModelFile(
  file: Uint8Array,
  name = "model file",
): { tables: KneserNeyTables; header: ModelHeader } {
  const fail = (why: string): never => {
    throw new ModelFileError(`${name} is not a usable logprob-lab model: ${why}.`);
  };
  let raw: Uint8Array;
  try {
    raw = gunzipSync(file);
  } catch (error) {
    return fail(`gunzip failed (${(error as Error).message})`);
  }
  if (new TextDecoder().decode(raw.subarray(0, MAGIC.length)) !== MAGIC) fail("wrong magic bytes");
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  let header: ModelHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(raw.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLength)),
    );
  } catch {
    return fail("the header is not JSON");
  }
  if (header.format !== FORMAT || header.version !== 1)
    fail(`format ${header.format} v${header.version} is unknown`);
  let at = MAGIC.length + 4 + jsonLength;
  const readers = {} as Record<StreamName, VarintReader>;
  for (const stream of STREAMS) {
    const length = header.streams?.[stream];
    if (!Number.isInteger(length) || at + length > raw.length)
      fail(`stream ${stream} is missing or truncated`);
    readers[stream] = new VarintReader(raw, at, at + length);
    at += length;
  }
  if (at !== raw.length) fail("trailing bytes after the last stream");
  try {
    const tables = decodeTables(header, readers);
    for (const stream of STREAMS) if (!readers[stream].done) fail(`stream ${stream} has unread bytes`);
    return { tables, header };
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    return fail((error as Error).message);
  }
}

/**
 * Parses a model file into a ready model whose `checksum` is the file's sha256.
 *
 * @example
 * const model = modelFromFile(readFileSync("assets/model/trigram-kn.bin.gz"));
 */
export function modelFromFile(file: Uint8Array, name = "model file"): KneserNeyModel {
  const { tables, header } = parseModelFile(file, name);
  return new KneserNeyModel(tables, sha256Hex(file), header.meta);
}

/**
 * Lower-case hex sha256.
 *
 * @example
 * sha256Hex(new Uint8Array(0)) // "e3b0c442…"
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function writeChildren(
  words: VarintWriter,
  counts: VarintWriter,
  ids: Uint32Array,
  values: Uint32Array,
  lo: number,
  hi: number,
): void {
  for (let e = lo; e < hi; e++) {
    words.write(e === lo ? ids[e] : ids[e] - ids[e - 1] - 1);
    counts.write(values[e] - 1);
  }
}

function decodeTables(header: ModelHeader, r: Record<StreamName, VarintReader>): KneserNeyTables {
  const { vocabSize, bigrams, trigrams } = header;
  for (const [key, value] of Object.entries({
    vocabSize,
    bigrams,
    trigrams,
    bos: header.bos,
    eos: header.eos,
  })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`header field ${key} is not a count`);
  }
  const unigramCounts = new Uint32Array(vocabSize);
  for (let w = 0; w < vocabSize; w++) unigramCounts[w] = r.unigramCounts.read();
  const bigramStart = new Uint32Array(vocabSize + 1);
  const bigramWords = new Uint32Array(bigrams);
  const bigramCounts = new Uint32Array(bigrams);
  for (let v = 0; v < vocabSize; v++) {
    bigramStart[v + 1] = bigramStart[v] + r.bigramFanout.read();
    readChildren(
      r.bigramWords,
      r.bigramCounts,
      bigramWords,
      bigramCounts,
      bigramStart[v],
      bigramStart[v + 1],
      vocabSize,
    );
  }
  if (bigramStart[vocabSize] !== bigrams)
    throw new Error("bigram fan-outs do not add up to the bigram count");
  const trigramStart = new Uint32Array(bigrams + 1);
  const trigramPruned = new Uint32Array(bigrams);
  const trigramWords = new Uint32Array(trigrams);
  const trigramCounts = new Uint32Array(trigrams);
  for (let b = 0; b < bigrams; b++) {
    trigramStart[b + 1] = trigramStart[b] + r.trigramFanout.read();
    if (trigramStart[b + 1] > trigramStart[b]) trigramPruned[b] = r.trigramPruned.read();
    readChildren(
      r.trigramWords,
      r.trigramCounts,
      trigramWords,
      trigramCounts,
      trigramStart[b],
      trigramStart[b + 1],
      vocabSize,
    );
  }
  if (trigramStart[bigrams] !== trigrams)
    throw new Error("trigram fan-outs do not add up to the trigram count");
  const discounts = header.discounts;
  const valid = (d: unknown, r: number) => typeof d === "number" && d > 0 && d < r;
  if (
    !Array.isArray(discounts) ||
    discounts.length !== 3 ||
    !discounts.every((d) => [1, 2, 3].every((r) => valid(d?.[r - 1], r)))
  ) {
    throw new Error("discounts must be three [D1, D2, D3+] triples with 0 < Dr < r");
  }
  return {
    vocabSize,
    bos: header.bos,
    eos: header.eos,
    discounts: discounts.map((d) => [d[0], d[1], d[2]] as const),
    unigramCounts,
    bigramStart,
    bigramWords,
    bigramCounts,
    trigramStart,
    trigramWords,
    trigramCounts,
    trigramPruned,
  };
}

function readChildren(
  words: VarintReader,
  counts: VarintReader,
  ids: Uint32Array,
  values: Uint32Array,
  lo: number,
  hi: number,
  vocabSize: number,
): void {
  if (hi > ids.length) throw new Error("more children than the header declares");
  for (let e = lo; e < hi; e++) {
    const id = e === lo ? words.read() : ids[e - 1] + 1 + words.read();
    if (id >= vocabSize) throw new Error(`token id ${id} is outside the vocabulary`);
    ids[e] = id;
    values[e] = counts.read() + 1;
  }
}
