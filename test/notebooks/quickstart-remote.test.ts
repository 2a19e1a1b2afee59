// The quickstart against a "real API": ACS_API_BASE / ACS_API_KEY / ACS_MODEL in the environment
// and no code change. The endpoint is the embedded server with a required key, standing in for
// the hosted vLLM-style API (same wire format).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedServer, serve } from "../../src/local/server.js";
import { type Executed, executeNotebook, mimeText } from "./run-notebook.js";

const KEY = "sk-notebook-remote-test-0042";
let server: EmbeddedServer;
let executed: Executed;

beforeAll(async () => {
  server = await serve({ port: 0, apiKey: KEY });
  executed = await executeNotebook("01-quickstart", {
    outputName: "01-quickstart.remote",
    env: { ACS_API_BASE: server.url, ACS_API_KEY: KEY, ACS_MODEL: "remote-acs-check" },
  });
});
afterAll(() => server?.close());

describe("notebooks/01-quickstart.ipynb with ACS_API_BASE set", () => {
  it("talks to the configured endpoint with its key and model", () => {
    const html = executed.notebook.cells
      .flatMap((cell) => cell.outputs ?? [])
      .map((output) => mimeText(output, "text/html"))
      .join("\n");
    expect(html).toContain("— remote-acs-check");
  });

  it("never writes the key into the notebook", () => {
    expect(readFileSync(executed.path, "utf8")).not.toContain(KEY);
  });
});
