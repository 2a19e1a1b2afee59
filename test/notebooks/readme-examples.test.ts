// Every TypeScript example in the README exists in a notebook, so CI runs it: each example's code
// lines (comments and blank lines aside) appear, in order, in the code cells of one notebook.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
const examples = [...readFileSync(join(root, "README.md"), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);

/** Code lines without comments or surrounding space. */
function lines(code: string): string[] {
  return code
    .split("\n")
    .map((line) => line.replace(/\s+\/\/.*$/, "").trim())
    .filter((line) => line !== "" && !line.startsWith("//"));
}

const notebooks = readdirSync(join(root, "notebooks"))
  .filter((name) => name.endsWith(".ipynb"))
  .map((name) => {
    const nb = JSON.parse(readFileSync(join(root, "notebooks", name), "utf8"));
    const code = nb.cells
      .filter((cell: { cell_type: string }) => cell.cell_type === "code")
      .map((cell: { source: string | string[] }) =>
        Array.isArray(cell.source) ? cell.source.join("") : cell.source,
      )
      .join("\n");
    return { name, lines: lines(code) };
  });

/** Whether `wanted` occurs in `have` in order (other lines may come between). */
function inOrder(wanted: string[], have: string[]): boolean {
  let at = 0;
  for (const line of have) if (line === wanted[at]) at++;
  return at === wanted.length;
}

describe("README examples", () => {
  it("has TypeScript examples to check", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples.map((code, i) => [i + 1, code] as const))("example %i runs in a notebook", (_n, code) => {
    const wanted = lines(code);
    const home = notebooks.find((nb) => inOrder(wanted, nb.lines));
    expect(home?.name, `no notebook runs these lines in order:\n${wanted.join("\n")}`).toBeDefined();
  });
});
