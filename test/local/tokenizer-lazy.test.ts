import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
import { expect, it } from "vitest";

const PACKAGE = "llama3-tokenizer-js";

/**
 * Every module specifier this process resolves through `import` from now on (a Node resolve hook
 * posting each one back), and a way to wait until the hook has reported everything resolved so far.
 */
function watchImports(): { seen: string[]; settled: () => Promise<void> } {
  const { port1, port2 } = new MessageChannel();
  const seen: string[] = [];
  let waiting: (() => void) | undefined;
  port1.on("message", (specifier: string) => {
    if (specifier.includes("tokenizer-lazy-sentinel")) waiting?.();
    else seen.push(specifier);
  });
  port1.unref();
  const hook = `let port;
export function initialize(data) { port = data.port; }
export function resolve(specifier, context, next) { port.postMessage(specifier); return next(specifier, context); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  return {
    seen,
    settled: async () => {
      // Messages from the hook arrive in order: once the sentinel's has come, all earlier ones have.
      const arrived = new Promise<void>((resolve) => {
        waiting = resolve;
      });
      const sentinel: string = `data:text/javascript,export default "tokenizer-lazy-sentinel"`;
      await import(sentinel);
      await arrived;
    },
  };
}

const loadedByRequire = () => Object.keys(require.cache).some((path) => path.includes(PACKAGE));

it("importing the package does not load llama3-tokenizer-js (it builds its vocabulary as it loads)", async () => {
  const imports = watchImports();
  expect(loadedByRequire()).toBe(false);
  const index = await import("../../src/index.js");
  expect(typeof index.connect).toBe("function");
  await imports.settled();
  expect(imports.seen.filter((specifier) => specifier.includes(PACKAGE))).toEqual([]);
  expect(loadedByRequire()).toBe(false);

  // The first use loads it, which these checks see.
  const { loadTokenizer } = await import("../../src/local/tokenizer.js");
  expect(loadTokenizer().encode("The capital")).toEqual([791, 6864]);
  expect(loadedByRequire()).toBe(true);
});
