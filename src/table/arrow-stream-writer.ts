import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { type DataType, tableFromArrays, tableToIPC } from "@uwdata/flechette";

/** The end-of-stream marker of the Arrow IPC stream format: continuation, then a zero length. */
const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Options of `ArrowStreamWriter.open`.
 *
 * @example
 * await ArrowStreamWriter.open("scores.arrow", { index: int32(), text: utf8() }, { batchRows: 256 });
 */
export interface ArrowStreamWriterOptions {
  /** Rows buffered before a record batch is encoded and written (default 256). */
  batchRows?: number;
}

/**
 * Writes rows to an Arrow IPC **stream** file incrementally: rows are buffered and every
 * `batchRows` of them become one record batch appended to the file, so memory holds one batch
 * however many rows are written. The schema comes from `types` (one Arrow type per column, no
 * dictionaries), so every batch has the same schema; the file starts with it and ends with the
 * end-of-stream marker on `close`. Any Arrow reader opens it (`aq.loadArrow`, pyarrow's
 * `ipc.open_stream`, polars `read_ipc_stream`, DuckDB). A process killed mid-run leaves the
 * batches written so far, without the end marker.
 *
 * @example
 * import { int32, utf8 } from "@uwdata/flechette";
 * const out = await ArrowStreamWriter.open("out.arrow", { index: int32(), text: utf8() });
 * await out.write({ index: 0, text: "Hello" });
 * await out.close();
 */
export class ArrowStreamWriter {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #types: Record<string, DataType>;
  readonly #batchRows: number;
  #rows: Record<string, unknown>[] = [];
  #schema: Uint8Array | undefined;
  #queue: Promise<void> = Promise.resolve();

  private constructor(path: string, file: FileHandle, types: Record<string, DataType>, batchRows: number) {
    this.path = path;
    this.#file = file;
    this.#types = types;
    this.#batchRows = batchRows;
  }

  /** Creates or truncates `path` (and its directory). */
  static async open(
    path: string,
    types: Record<string, DataType>,
    options: ArrowStreamWriterOptions = {},
  ): Promise<ArrowStreamWriter> {
    const batchRows = options.batchRows ?? 256;
    if (!Number.isInteger(batchRows) || batchRows < 1) {
      throw new TypeError(`batchRows must be a whole number ≥ 1; got ${batchRows}`);
    }
    await mkdir(dirname(path), { recursive: true });
    return new ArrowStreamWriter(path, await open(path, "w"), types, batchRows);
  }

  /** Rows buffered and not yet written (at most `batchRows`). */
  get pending(): number {
    return this.#rows.length;
  }

  /**
   * Adds one row (an object with a value per column; missing values are null). Resolves once the
   * row is buffered, or, when it completes a batch, once the batch is on disk.
   */
  write(row: Record<string, unknown>): Promise<void> {
    this.#rows.push(row);
    if (this.#rows.length < this.#batchRows) return this.#queue;
    return this.#flush();
  }

  /** Writes the buffered rows, the end-of-stream marker, and closes the file. */
  async close(): Promise<void> {
    try {
      if (this.#rows.length > 0 || this.#schema === undefined) await this.#flush();
      await this.#enqueue(END_OF_STREAM);
    } finally {
      await this.#file.close();
    }
  }

  #flush(): Promise<void> {
    const rows = this.#rows;
    this.#rows = [];
    const columns = Object.fromEntries(
      Object.keys(this.#types).map((name) => [name, rows.map((row) => row[name] ?? null)]),
    );
    // With no sink given, tableToIPC returns the bytes (its type says "or null" for the sink case).
    const stream = tableToIPC(tableFromArrays(columns, { types: this.#types }), { format: "stream" })!;
    // Each encoded table is schema + batch + end marker: keep the schema once, drop every marker.
    const schemaLength = 8 + new DataView(stream.buffer, stream.byteOffset).getInt32(4, true);
    const schema = stream.subarray(0, schemaLength);
    const batch = stream.subarray(schemaLength, stream.length - END_OF_STREAM.length);
    if (this.#schema === undefined) {
      this.#schema = schema.slice();
      return this.#enqueue(stream.subarray(0, stream.length - END_OF_STREAM.length));
    }
    if (!sameBytes(schema, this.#schema))
      throw new Error("Arrow batch schema differs from the first batch's");
    return this.#enqueue(batch);
  }

  #enqueue(bytes: Uint8Array): Promise<void> {
    const next = this.#queue.then(async () => {
      await this.#file.write(bytes);
    });
    this.#queue = next.catch(() => {});
    return next;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
