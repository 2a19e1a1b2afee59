import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedServer, serve } from "../../src/local/server.js";

// The seed's example, verbatim but for the port: curl + jq against the embedded server.
const SEED = `curl -s "$ACS_API_BASE/completions" -H "Authorization: Bearer $ACS_API_KEY" -H "Content-Type: application/json" \\
  -d '{"model": "llama-8b", "prompt": "The capital of France is", "max_tokens": 1, "prompt_logprobs": 5}' \\
  | jq '.choices[0].prompt_logprobs[:2]'`;

// Asynchronous on purpose: a synchronous child would block the event loop the server answers on.
const run = async (url: string) =>
  (
    await promisify(execFile)("bash", ["-c", SEED], {
      env: { ...process.env, ACS_API_BASE: url, ACS_API_KEY: "anything" },
    })
  ).stdout;

let server: EmbeddedServer;
beforeAll(async () => {
  server = await serve({ port: 0 });
});
afterAll(() => server.close());

function checkSeedOutput(stdout: string) {
  const [first, second] = JSON.parse(stdout) as [
    null,
    Record<string, { logprob: number; rank: number; decoded_token: string }>,
  ];
  expect(first).toBeNull();
  // Position 1 is "The" (id 791): the top-5 plus the actual token when it is not among them.
  const keys = Object.keys(second);
  expect(keys.length === 5 || keys.length === 6).toBe(true);
  expect(second["791"]).toMatchObject({ decoded_token: "The" });
  for (const key of keys) {
    expect(key).toMatch(/^\d+$/);
    expect(second[key].logprob).toBeLessThanOrEqual(0);
    expect(Number.isInteger(second[key].rank) && second[key].rank >= 1).toBe(true);
  }
  const ranks = keys.map((k) => second[k].rank).sort((a, b) => a - b);
  expect(ranks.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
}

describe("the seed example", () => {
  it("works verbatim with curl and jq against serve()", async () => {
    checkSeedOutput(await run(server.url));
  });

  it("works against `logprob-lab serve` started from the command line", async () => {
    const cli = spawn(
      process.execPath,
      [join(__dirname, "../../bin/logprob-lab.cjs"), "serve", "--port", "0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        cli.stdout.on("data", (chunk) => {
          out += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]);
        });
        cli.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      checkSeedOutput(await run(url));
    } finally {
      cli.kill("SIGTERM");
    }
  });
});
