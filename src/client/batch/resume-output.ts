import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { isRetryableStatus } from "../../http/retry-delay.js";

/**
 * Whether a batch output line is final: it reads whole, names its `custom_id`, and holds an answer
 * (2xx, no error) or a refusal that would be refused again (a 4xx other than 408/409/429). Lines
 * cut short by a kill, dropped connections and retryable statuses are not: a re-run redoes them.
 *
 * @example
 * completeCustomId('{"custom_id":"a","response":{"status_code":200,"body":{}},"error":null}') // "a"
 */
export function completeCustomId(text: string): string | undefined {
  let line: { custom_id?: unknown; response?: { status_code?: unknown } | null; error?: unknown };
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof line !== "object" || line === null || typeof line.custom_id !== "string") return undefined;
  const status = line.response?.status_code;
  if (typeof status !== "number") return undefined;
  const answered = status >= 200 && status < 300 && (line.error === null || line.error === undefined);
  const refused = status >= 400 && status < 500 && !isRetryableStatus(status);
  return answered || refused ? line.custom_id : undefined;
}

/**
 * Prepares an existing batch output file for a resumed run: keeps its final lines (see
 * `completeCustomId`; the first line per `custom_id`), drops the rest — a torn last line, failures
 * worth retrying — and returns the ids kept. The file is streamed through a copy renamed into
 * place, so memory holds the ids only. No file: an empty set.
 *
 * @example
 * const done = await keepCompleteLines("batch-output.jsonl"); done.has("text-3")
 */
export async function keepCompleteLines(path: string): Promise<Set<string>> {
  const done = new Set<string>();
  const existing = await stat(path).catch(() => undefined);
  if (!existing?.isFile()) return done;
  const kept = `${path}.resume`;
  const out = await open(kept, "w");
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  try {
    for await (const text of lines) {
      const id = completeCustomId(text);
      if (id === undefined || done.has(id)) continue;
      done.add(id);
      await out.write(`${text}\n`);
    }
    await out.close();
  } catch (error) {
    lines.close();
    await out.close().catch(() => {});
    await rm(kept, { force: true });
    throw error;
  }
  await rename(kept, path);
  return done;
}
