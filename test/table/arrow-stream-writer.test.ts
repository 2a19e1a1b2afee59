import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { float64, int32, list, struct, tableFromIPC, utf8 } from "@uwdata/flechette";
import * as aq from "arquero";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArrowStreamWriter } from "../../src/table/arrow-stream-writer.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "arrow-stream-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const types = {
  index: int32(),
  text: utf8(),
  score: float64(),
  parts: list(struct({ id: int32(), t: utf8() })),
};
const row = (i: number) => ({
  index: i,
  text: i % 3 === 0 ? null : `row ${i} — ünïcode`,
  score: -i / 7,
  parts: Array.from({ length: i % 4 }, (_, j) => ({ id: j, t: `p${j}` })),
});

describe("ArrowStreamWriter", () => {
  it("holds at most one batch, writes each full batch as it fills, and ends a stream any reader opens", async () => {
    const path = join(dir, "deep", "out.arrow");
    const out = await ArrowStreamWriter.open(path, types, { batchRows: 4 });
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      await out.write(row(i));
      expect(out.pending).toBe((i + 1) % 4);
      sizes.push((await readFile(path)).length);
    }
    // The file grew exactly when a batch filled (after rows 4 and 8), not per row.
    expect(sizes.map((s, i) => (i > 0 && s > sizes[i - 1]) || (i === 0 && s > 0))).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    // What a kill at this point leaves is readable: the schema and two whole batches.
    expect(tableFromIPC(await readFile(path)).numRows).toBe(8);
    await out.close();
    const bytes = await readFile(path);
    const table = tableFromIPC(bytes);
    expect(table.getChild("index").data.map((b: any) => b.length)).toEqual([4, 4, 2]);
    expect(table.toArray().map((r: any) => ({ ...r, parts: r.parts.map((p: any) => ({ ...p })) }))).toEqual(
      Array.from({ length: 10 }, (_, i) => row(i)),
    );
    expect(aq.fromArrow(bytes).objects()).toHaveLength(10);
  });

  it("writes a valid empty table when no row came, and refuses a bad batch size", async () => {
    const path = join(dir, "empty.arrow");
    await (await ArrowStreamWriter.open(path, types)).close();
    const table = tableFromIPC(await readFile(path));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f: any) => f.name)).toEqual(["index", "text", "score", "parts"]);
    await expect(ArrowStreamWriter.open(path, types, { batchRows: 0 })).rejects.toThrowError(/batchRows/);
  });
});
