import { rename, rm } from "node:fs/promises";
import { JsonlWriter } from "../scoring/jsonl-writer.js";
import { type BatchRequestOptions, batchRequests } from "./batch-requests.js";

/**
 * What `exportBatch` wrote.
 *
 * @example
 * const { path, count } = await lab.exportBatch(texts, "batch-input.jsonl");
 */
export interface BatchExport {
  path: string;
  /** Request lines written (one per text). */
  count: number;
}

/**
 * Writes an OpenAI-Batch request file, one `/v1/completions` line per text (see `batchRequests`),
 * reading the texts lazily (an async iterable of a corpus never sits in memory). The file appears
 * whole or not at all: it is written beside its name and renamed into place at the end.
 *
 * @example
 * await exportBatch(texts, "batch-input.jsonl", { model: "llama-8b", topK: 5 });
 */
export async function exportBatch(
  texts: Iterable<string> | AsyncIterable<string>,
  path: string,
  options: BatchRequestOptions,
): Promise<BatchExport> {
  const partial = `${path}.partial`;
  const out = await JsonlWriter.open(partial);
  let count = 0;
  try {
    for await (const line of batchRequests(texts, options)) {
      await out.write(line);
      count++;
    }
    await out.close();
  } catch (error) {
    await out.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, path);
  return { path, count };
}
