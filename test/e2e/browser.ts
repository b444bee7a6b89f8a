/**
 * Headless Chromium for the end-to-end test: Debian's own binary, driven by
 * playwright-core (which never downloads a browser), with a throwaway
 * profile and nothing phoning home.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export interface HeadlessChromium {
	context: BrowserContext;
	close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessChromium> {
	if (!existsSync(CHROMIUM)) {
		throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
	}
	const profile = mkdtempSync(join(tmpdir(), "edgesend-e2e-chromium-"));
	// A persistent context is how playwright takes a user-data-dir of our choosing.
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1280, height: 800 },
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	return {
		context,
		close: async () => {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

export type { Browser };
