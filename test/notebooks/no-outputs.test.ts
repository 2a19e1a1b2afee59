// Notebooks are committed clean: no outputs, no execution counts, stable cell ids, the tslab kernel.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notebooksDir, readNotebook } from "./run-notebook.js";

const notebooks = readdirSync(notebooksDir)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

describe("committed notebooks", () => {
  it("exist", () => {
    expect(notebooks).toContain("01-quickstart.ipynb");
  });

  it.each(notebooks)("%s has no outputs and no execution counts", (file) => {
    const nb = readNotebook(join(notebooksDir, file));
    const dirty = nb.cells
      .map((cell, i) => ({ cell, i }))
      .filter(({ cell }) => cell.cell_type === "code")
      .filter(({ cell }) => (cell.outputs ?? []).length > 0 || cell.execution_count != null)
      .map(({ cell, i }) => `cell #${i} (${cell.id ?? "no id"})`);
    expect(dirty, "clear them (Kernel → Restart & Clear Output, then save)").toEqual([]);
  });

  it.each(notebooks)("%s is nbformat 4.5 with cell ids and a kernelspec", (file) => {
    const nb = readNotebook(join(notebooksDir, file));
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBeGreaterThanOrEqual(5);
    expect(nb.cells.every((c) => typeof c.id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(c.id))).toBe(true);
    expect(new Set(nb.cells.map((c) => c.id)).size).toBe(nb.cells.length);
    expect(nb.metadata.kernelspec?.name).toMatch(/^(tslab|deno)$/);
  });
});
