import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../../src/display/image-export.js";

/**
 * The system's headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium) launched with the flags
 * figure export uses, its caches in a temporary home rather than ~. `close` quits it and removes
 * the home.
 */
export async function headlessChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), "lplab-e2e-chromium-"));
  try {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      headless: true,
      args: [...CHROMIUM_ARGS],
      env: { ...process.env, XDG_CONFIG_HOME: join(home, "c"), XDG_CACHE_HOME: join(home, "k") },
    });
    return {
      browser,
      close: async () => {
        await browser.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
