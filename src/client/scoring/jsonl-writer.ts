import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Appends JSON records to a file, one per line, in the order `write` is called; writes never
 * interleave. The file is created (with its directory) or emptied on `open`.
 *
 * @example
 * const out = await JsonlWriter.open("scores.jsonl");
 * await out.write({ index: 0, summary });
 * await out.close();
 */
export class JsonlWriter {
  readonly path: string;
  readonly #file: FileHandle;
  #queue: Promise<void> = Promise.resolve();

  private constructor(path: string, file: FileHandle) {
    this.path = path;
    this.#file = file;
  }

  /** Creates or truncates `path`. */
  static async open(path: string): Promise<JsonlWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new JsonlWriter(path, await open(path, "w"));
  }

  /** Appends one record as a line (NaN and ±Infinity become null, as JSON has neither). */
  write(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const next = this.#queue.then(async () => {
      await this.#file.write(line);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    await this.#file.close();
  }
}
