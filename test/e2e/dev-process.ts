/**
 * Runs the dev runner (`npm run dev`'s process) for the end-to-end test, in
 * its own process group, with a throwaway outbox and vars file, and reads
 * what it prints: the worker URL, the inbox URL, the API key, the cron's
 * command and the curl.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { stripVTControlCharacters } from "node:util";

export interface DevBanner {
	workerUrl: string;
	inboxUrl: string;
	apiKey: string;
	/** The local relay's port. */
	relayPort: number;
	/** The command the banner gives to run the cron. */
	curl: string;
}

export interface DevProcess {
	child: ChildProcess;
	banner: Promise<DevBanner>;
	/** Everything it printed so far (shown when a check fails). */
	output: string[];
	/** Ctrl-C, as a user would; resolves with whether it exited in time. */
	interrupt(timeoutMs: number): Promise<boolean>;
	/** Backstop: whatever is left of its process group. */
	kill(): void;
}

export function startDev(root: string, env: Record<string, string>, readyTimeoutMs: number): DevProcess {
	const child = spawn(process.execPath, ["dev/run.mjs"], {
		cwd: root,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, ...env, FORCE_COLOR: "0" },
	});
	const output: string[] = [];
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

	const banner = new Promise<DevBanner>((resolve, reject) => {
		const found: Partial<DevBanner> = {};
		let curl: string[] | undefined;
		const timer = setTimeout(() => reject(new Error(`no banner within ${readyTimeoutMs / 1000} s`)), readyTimeoutMs);
		void exited.then(() => reject(new Error(`the dev runner exited (code ${child.exitCode}) before it was ready`)));
		const onLine = (colored: string) => {
			const line = stripVTControlCharacters(colored);
			output.push(line);
			const field = /^ {2}(worker|inbox|API key) +(\S+)$/.exec(line);
			if (field) {
				const key = ({ worker: "workerUrl", inbox: "inboxUrl", "API key": "apiKey" } as const)[
					field[1] as "worker" | "inbox" | "API key"
				];
				found[key] = field[2];
			}
			const relay = /^ {2}relay +local, localhost:(\d+)/.exec(line);
			if (relay) found.relayPort = Number(relay[1]);
			if (line.startsWith("curl ")) curl = [];
			if (!curl) return;
			curl.push(line);
			if (line.endsWith("\\")) return;
			clearTimeout(timer);
			const { workerUrl, inboxUrl, apiKey, relayPort } = found;
			if (!workerUrl || !inboxUrl || !apiKey || !relayPort) {
				return reject(new Error("the banner lacks the worker, inbox, key or local relay line"));
			}
			resolve({ workerUrl, inboxUrl, apiKey, relayPort, curl: curl.join("\n") });
		};
		for (const stream of [child.stdout, child.stderr])
			if (stream) createInterface({ input: stream }).on("line", onLine);
	});

	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			if (child.pid) process.kill(-child.pid, signal);
		} catch {
			// Already gone.
		}
	};
	return {
		child,
		banner,
		output,
		interrupt: async (timeoutMs) => {
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
			const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
			return Promise.race([exited.then(() => true as const), timeout]);
		},
		kill: () => signalGroup("SIGKILL"),
	};
}
