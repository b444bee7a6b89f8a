/**
 * The parts of src/ and the one way imports may go between them
 * (docs/INTERNALS.md opens with the same list). `npm run check` runs
 * dependency-cruiser with this file; a violation fails it with the rule's name.
 *
 * Top to bottom: entry → doors (api, rpc, records) → send → events → store →
 * pool, limit → config → mime, smtp → util. A part may import the parts below
 * it, never one above; doors never import each other; env.ts (the bindings'
 * type) may be imported by every part, type-only.
 */

/** The layers, top first; each is a list of path patterns (relative to the project). */
const layers = [
	{ name: "entry", paths: ["^src/(index|app|edgesend|client)\\.ts$"] },
	{ name: "doors (api, rpc, records)", paths: ["^src/(api|rpc|records)/"] },
	{ name: "send", paths: ["^src/send/"] },
	{ name: "events", paths: ["^src/events/"] },
	{ name: "store", paths: ["^src/store/"] },
	{ name: "pool, limit", paths: ["^src/(pool|limit)/"] },
	{ name: "config", paths: ["^src/(config|routes-config)\\.ts$"] },
	{ name: "mime, smtp", paths: ["^src/(mime|smtp)/"] },
	{ name: "util", paths: ["^src/util/"] },
];

const anyOf = (paths) => (paths.length === 1 ? paths[0] : `(${paths.join("|")})`);

/** For each layer: importing any layer above it is forbidden. */
const upward = layers.slice(1).map((layer, i) => ({
	name: "no-upward-import",
	severity: "error",
	comment: `${layer.name} may import only the parts below it, not ${layers
		.slice(0, i + 1)
		.map((l) => l.name)
		.join(", ")} (order: ${layers.map((l) => l.name).join(" → ")})`,
	from: { path: anyOf(layer.paths) },
	to: { path: anyOf(layers.slice(0, i + 1).flatMap((l) => l.paths)) },
}));

/** Folders side by side in one layer: none may import another. */
const apart = (name, folders, comment) => ({
	name,
	severity: "error",
	comment,
	from: { path: `^src/(${folders.join("|")})/` },
	to: { path: `^src/(${folders.join("|")})/`, pathNot: "^src/$1/" },
});

module.exports = {
	forbidden: [
		...upward,
		apart(
			"door-imports-door",
			["api", "rpc", "records"],
			"api/, rpc/ and records/ are doors onto the send path: none imports another (what two doors share belongs in send/ or below)",
		),
		apart(
			"pool-limit-apart",
			["pool", "limit"],
			"pool/ and limit/ are separate Durable Objects side by side: neither imports the other",
		),
		apart("mime-smtp-apart", ["mime", "smtp"], "mime/ makes bytes, smtp/ sends bytes: neither knows the other"),
		{
			name: "env-type-only",
			severity: "error",
			comment: "src/env.ts is the bindings' type: import it with `import type`, so it never becomes a runtime edge",
			from: { pathNot: "^src/env\\.ts$" },
			to: { path: "^src/env\\.ts$", dependencyTypesNot: ["type-only"] },
		},
		{
			name: "env-imports-types-only",
			severity: "error",
			comment: "src/env.ts names types of config, limit and pool; it imports nothing at run time",
			from: { path: "^src/env\\.ts$" },
			to: { dependencyTypesNot: ["type-only"] },
		},
		{
			name: "sockets-only-in-socket-ts",
			severity: "error",
			comment: "cloudflare:sockets is imported by src/smtp/socket.ts alone (tests and the pool use the connector)",
			from: { pathNot: "^src/smtp/socket\\.ts$" },
			to: { path: "^cloudflare:sockets$" },
		},
		{
			name: "no-circular",
			severity: "error",
			comment: "no circle between files: split the shared piece into a file both import",
			from: { path: "^src/" },
			to: { circular: true },
		},
		{
			name: "no-circular-folders",
			severity: "error",
			comment: "no circle between the parts' folders (the root's entry files and env.ts are not a part)",
			scope: "folder",
			// Folder names have no trailing slash: src/send, src/api/routes; the root (src) is left out.
			from: { path: "^src/." },
			to: { path: "^src/.", circular: true },
		},
		{
			name: "not-to-unresolvable",
			severity: "error",
			comment: "an import that resolves to nothing would hide an edge from every rule above",
			from: { path: "^src/" },
			to: { couldNotResolve: true, pathNot: "^cloudflare:" },
		},
		{
			name: "src-not-to-tests",
			severity: "error",
			comment: "src/ is the Worker: it never imports test/, bench/, dev/ or examples/",
			from: { path: "^src/" },
			to: { path: "^(test|bench|dev|examples)/" },
		},
	],
	options: {
		doNotFollow: { path: "node_modules" },
		// `import type` edges are kept (and marked type-only) so the rules see them too.
		tsPreCompilationDeps: true,
		tsConfig: { fileName: "tsconfig.json" },
		// Packages' `exports` maps (hono/route, hono/body-limit…), as TypeScript's bundler resolution reads them.
		enhancedResolveOptions: {
			exportsFields: ["exports"],
			conditionNames: ["import", "require", "node", "default", "types"],
			mainFields: ["module", "main", "types", "typings"],
		},
		exclude: { path: "\\.test\\.ts$" },
		reporterOptions: { text: { highlightFocused: true } },
	},
};
