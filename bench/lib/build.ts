/**
 * Bundles what the bench runs with esbuild, into bench/.out/ (git-ignored):
 * the bench worker for workerd, and the composition child for Node (src/mime
 * may import without .ts extensions, and worker-mailer imports
 * cloudflare:sockets at load, so neither loads in plain Node unbundled).
 *
 * If edgesend's parts are missing or do not build, the bundle is made again
 * with a stand-in for them, so the peers can still be measured; the reason is
 * returned and reported.
 */
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Plugin } from "esbuild";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const outDir = here("../.out/");
const absentModule = here("../worker/absent.ts");
const socketsStub = here("./sockets-stub.ts");

/** edgesend's parts as the bench imports them. */
const edgesendPart = /[\\/]src[\\/](smtp|mime|limit)[\\/]/;

/** Sends edgesend's parts to the stand-in: all of them (after a failed build) or only the missing files. */
function standIn(all: boolean): Plugin {
	return {
		name: "edgesend-stand-in",
		setup(b) {
			b.onResolve({ filter: /src\/(smtp|mime|limit)\// }, (args) => {
				const path = fileURLToPath(new URL(args.path, `file://${args.resolveDir}/`));
				if (!edgesendPart.test(path)) return undefined;
				if (all || !existsSync(path)) return { path: absentModule };
				return undefined;
			});
		},
	};
}

export interface Bundles {
	worker: string;
	composeChild: string;
	/** Why edgesend's parts could not be bundled, when they could not. */
	edgesendMissing?: string;
	/** edgesend's whole Worker (src/index.ts), for the /v1/batch row; absent when it does not build. */
	app?: string;
	appMissing?: string;
}

/** How edgesend's Worker is bundled for workerd, as `wrangler deploy` would (the scale suite's counted build too). */
export const workerBundle = {
	bundle: true,
	format: "esm",
	target: "es2024",
	logLevel: "silent",
	platform: "neutral",
	conditions: ["workerd", "worker", "browser"],
	mainFields: ["module", "main"],
	external: ["cloudflare:*", "node:*"],
} as const satisfies BuildOptions;

/** edgesend's own Worker, exactly as `wrangler deploy` would bundle its entry. */
async function bundleApp(): Promise<Pick<Bundles, "app" | "appMissing">> {
	const entry = here("../../src/index.ts");
	const outfile = `${outDir}app.mjs`;
	try {
		await build({ ...workerBundle, entryPoints: [entry], outfile });
		return { app: outfile };
	} catch (error) {
		return { appMissing: `src/index.ts does not build: ${(error as Error).message.split("\n").slice(0, 4).join(" ")}` };
	}
}

async function bundleBoth(all: boolean, banner: string): Promise<void> {
	const common = {
		bundle: true,
		format: "esm" as const,
		target: "es2024",
		logLevel: "silent" as const,
		plugins: [standIn(all)],
		banner: { js: banner },
	};
	await build({
		...common,
		entryPoints: [here("../worker/index.ts")],
		outfile: `${outDir}worker.mjs`,
		platform: "neutral",
		conditions: ["workerd", "worker", "browser"],
		mainFields: ["module", "main"],
		external: ["cloudflare:*", "node:*"],
	});
	await build({
		...common,
		entryPoints: [here("../composition/child.ts")],
		outfile: `${outDir}compose-child.mjs`,
		platform: "node",
		external: ["nodemailer", "nodemailer/*"],
		alias: { "cloudflare:sockets": socketsStub },
	});
}

export async function buildBundles(): Promise<Bundles> {
	mkdirSync(outDir, { recursive: true });
	const bundles = { worker: `${outDir}worker.mjs`, composeChild: `${outDir}compose-child.mjs` };
	const missing = ["smtp/index.ts", "mime/index.ts", "limit/rate-limiter.ts"]
		.map((p) => `src/${p}`)
		.filter((p) => !existsSync(here(`../../${p}`)));
	const banner = (reason: string) => `globalThis.__edgesendAbsent = ${JSON.stringify(reason)};`;
	const missingReason = missing.length ? `missing ${missing.join(", ")}` : undefined;
	const app = await bundleApp();
	try {
		await bundleBoth(false, missingReason ? banner(missingReason) : "");
		return { ...bundles, ...app, edgesendMissing: missingReason };
	} catch (error) {
		const reason = `does not build: ${(error as Error).message.split("\n").slice(0, 6).join(" ")}`;
		await bundleBoth(true, banner(reason));
		return { ...bundles, ...app, edgesendMissing: reason };
	}
}
