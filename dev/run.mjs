/**
 * Entry of `npm run dev`. Plain JavaScript on purpose: it may start on an old
 * system Node before anything is installed. It installs the dependencies when
 * node_modules is missing, then runs dev/main.ts on the Node pinned by the
 * `node` devDependency (wrangler needs Node >= 22).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const pinnedNode = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));

if (!existsSync(new URL("../node_modules/wrangler", import.meta.url))) {
	console.log("npm run dev: installing dependencies (first run)…");
	const npm = process.env.npm_execpath;
	const install = existsSync(new URL("../package-lock.json", import.meta.url)) ? "ci" : "install";
	const result = npm
		? spawnSync(process.execPath, [npm, install], { cwd: root, stdio: "inherit" })
		: spawnSync("npm", [install], { cwd: root, stdio: "inherit" });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

const major = Number(process.versions.node.split(".")[0]);
if (major >= 22 && process.features.typescript) {
	await import(main);
} else if (existsSync(pinnedNode)) {
	// Ctrl-C reaches both processes (same process group): the child stops its
	// own children; this one only waits for it.
	const child = spawn(pinnedNode, [main], { cwd: root, stdio: "inherit" });
	const wait = () => {};
	process.on("SIGINT", wait);
	process.on("SIGTERM", () => child.kill("SIGTERM"));
	child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
	console.error(`npm run dev needs Node >= 22 (this is ${process.version}); run npm install first.`);
	process.exit(1);
}
