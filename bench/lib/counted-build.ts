/**
 * Bundles edgesend's Worker with the scale bench's counting around it
 * (bench/counting/), into bench/.out/counted-app.mjs. The entry is written
 * here from wrangler.toml: it re-exports everything src/index.ts exports,
 * puts counted handlers in place of its default export, and a counted
 * subclass in place of each Durable Object class the toml binds (a local
 * export wins over `export *`), so whatever classes and databases the
 * toml declares are counted, on any branch, with nothing in src/.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { outDir, workerBundle } from "./build.ts";
import { readToml } from "./deployed-app.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The entry's source: every identifier in it comes from wrangler.toml, which wrangler already validated. */
export function countedEntry(objects: Record<string, string>, databases: string[]): string {
	const app = JSON.stringify(here("../../src/index.ts"));
	const counting = JSON.stringify(here("../counting/entry.ts"));
	const classes = [...new Set(Object.values(objects))];
	return [
		`import worker, * as app from ${app};`,
		`import { countedClass, countedWorker, countingEnv } from ${counting};`,
		`export * from ${app};`,
		`const config = ${JSON.stringify({ databases, objects })};`,
		"const wrapEnv = countingEnv(config);",
		"export default countedWorker(worker, config);",
		...classes.map((name) => `export const ${name} = countedClass(app.${name}, ${JSON.stringify(name)}, wrapEnv);`),
	].join("\n");
}

export async function bundleCountedApp(): Promise<string> {
	const { durableObjects, d1Bindings } = readToml();
	const outfile = `${outDir}counted-app.mjs`;
	await build({
		stdin: {
			contents: countedEntry(durableObjects, d1Bindings),
			resolveDir: here("."),
			sourcefile: "counted-entry.ts",
			loader: "ts",
		},
		outfile,
		...workerBundle,
	});
	return outfile;
}
