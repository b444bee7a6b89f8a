/**
 * Runs `wrangler dev` (local mode) as a child process: on a free 127.0.0.1
 * port, with the given `--var`s, its output prefixed, and stoppable as a
 * whole (wrangler and the workerd it starts) through its own process group.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { QuietRequests } from "./quiet-requests.ts";

export interface WranglerOptions {
	root: string;
	vars: Record<string, string>;
	/** An env file to read instead of `.dev.vars` (wrangler's `--env-file`). */
	envFile?: string;
	persistTo: string;
	/** Wrangler's debug logs (it would otherwise write them to the home directory). */
	logDir: string;
	/** Extra environment for the child only (SSL_CERT_FILE in local mode). */
	env: Record<string, string>;
	log: (line: string) => void;
}

export interface WranglerDev {
	url: string;
	child: ChildProcess;
	exited: Promise<number | null>;
	stop(): Promise<void>;
	/**
	 * A crash: SIGKILL to the whole group at once (wrangler and workerd);
	 * resolves once wrangler has exited, with whether the group is empty
	 * too (within 10 s).
	 */
	kill(): Promise<boolean>;
}

/** A port the OS says is free now (wrangler needs a number up front). */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return typeof address === "object" && address ? address.port : 0;
}

function wranglerBin(root: string): string {
	const require = createRequire(join(root, "package.json"));
	return join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
}

export async function startWrangler(options: WranglerOptions): Promise<WranglerDev> {
	const port = await freePort();
	const inspectorPort = await freePort();
	const bin = wranglerBin(options.root);
	const args = [
		bin,
		"dev",
		"--local",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--inspector-port",
		String(inspectorPort),
		"--persist-to",
		options.persistTo,
		"--show-interactive-dev-session=false",
		...(options.envFile ? ["--env-file", options.envFile] : []),
		...Object.entries(options.vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
	];
	const child = spawn(process.execPath, args, {
		cwd: options.root,
		// Own process group: stopping it stops workerd too, and Ctrl-C reaches us first.
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			// Local mode talks to nothing but loopback: no telemetry, no update check, no cf.json download.
			WRANGLER_SEND_METRICS: "false",
			WRANGLER_HIDE_BANNER: "true",
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			// Its output goes through us: keep colours only when we are on a terminal.
			FORCE_COLOR: process.stdout.isTTY ? "1" : "0",
			WRANGLER_LOG_PATH: options.logDir,
			...options.env,
		},
	});
	for (const stream of [child.stdout, child.stderr]) {
		if (stream) createInterface({ input: stream }).on("line", (line) => line.trim() && options.log(line));
	}
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
		signalGroup(child.pid, "SIGTERM");
		const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
		if (!killed) signalGroup(child.pid, "SIGKILL");
		await exited;
		// workerd may outlive wrangler by a moment: the group holds it, end it too.
		signalGroup(child.pid, "SIGKILL");
	};
	const kill = async () => {
		const pid = child.pid;
		if (!pid) return true;
		signalGroup(pid, "SIGKILL");
		await exited;
		for (let i = 0; i < 100 && groupAlive(pid); i++) await sleep(100);
		return !groupAlive(pid);
	};
	return { url: `http://127.0.0.1:${port}`, child, exited, stop, kill };
}

/** The readiness probe's requests (GET /healthz), for the output to leave out. */
export const readinessProbe = () => new QuietRequests("dev-ready-probe", /^\[wrangler:info\] GET \/healthz \d{3}\b/);

/** Resolves once the worker answers HTTP at all; rejects if wrangler exits first. */
export async function waitForWorker(dev: WranglerDev, probe: QuietRequests, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let exited = false;
	void dev.exited.then(() => {
		exited = true;
	});
	while (Date.now() < deadline) {
		if (exited) throw new Error("wrangler dev exited before the worker was ready (its output is above)");
		const requestId = probe.sent();
		try {
			await fetch(`${dev.url}/healthz`, { headers: { "x-request-id": requestId }, signal: AbortSignal.timeout(2000) });
			return;
		} catch (error) {
			// A timed-out probe did reach wrangler, which logs it when the worker answers.
			if (!(error instanceof Error && error.name === "TimeoutError")) probe.unreached();
			await sleep(300);
		}
	}
	throw new Error(`the worker did not answer at ${dev.url} within ${timeoutMs / 1000} s`);
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/** Whether any process of the group is left (signal 0 checks without sending anything). */
function groupAlive(pid: number): boolean {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
