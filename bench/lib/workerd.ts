/**
 * Starts a bundled Worker inside workerd through Miniflare (the same engine
 * wrangler and the vitest plugin use) and posts JSON to it. workerd verifies
 * certificates, so it is told to trust the TEST-ONLY CA via SSL_CERT_FILE,
 * which must be in the environment before Miniflare spawns it.
 */
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare, type V4WorkerOptions } from "miniflare";

export interface WorkerHandle {
	/** Posts `body` as JSON; throws unless the answer is 2xx JSON without an `error` field. */
	post<T>(path: string, body: unknown, headers?: Record<string, string>, timeoutMs?: number): Promise<T>;
	dispose(): Promise<void>;
	/** The Miniflare instance itself, for raw answers and the storage bindings (D1). */
	miniflare: Miniflare;
}

/** The bench worker (bench/worker/index.ts). */
export type BenchWorker = WorkerHandle;

export interface WorkerOptions {
	scriptPath: string;
	bindings?: Record<string, string>;
	/** Binding name → class name; all SQLite-backed, as wrangler.toml declares them (new_sqlite_classes). */
	durableObjects: Record<string, string>;
	/** Keep the Worker's console output (info and debug lines) instead of only its warnings and errors. */
	verboseLogs?: boolean;
	/** Further bindings as Miniflare takes them (D1, R2, queues), such as wrangler.toml declares. */
	storage?: Pick<V4WorkerOptions, "d1Databases" | "r2Buckets" | "queueProducers" | "queueConsumers">;
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
	process.env.SSL_CERT_FILE = fileURLToPath(new URL("../../test/fixtures/certs/ca.pem", import.meta.url));
	// Miniflare 5 takes a new config shape; the familiar (v4) options convert to it.
	const mf = new Miniflare(
		convertV4MiniflareOptions({
			// edgesend logs a JSON line per request: only warnings and errors belong in the bench's output.
			handleStructuredLogs: ({ level, message }) => {
				if (options.verboseLogs || level === "warn" || level === "error")
					process.stderr.write(`[workerd ${level}] ${message}\n`);
			},
			name: "bench",
			modules: true,
			scriptPath: options.scriptPath,
			compatibilityDate: "2026-11-01",
			compatibilityFlags: ["nodejs_compat"],
			bindings: options.bindings,
			...options.storage,
			durableObjects: Object.fromEntries(
				Object.entries(options.durableObjects).map(([binding, className]) => [binding, { className, useSQLite: true }]),
			),
		}),
	);
	await mf.ready;
	return {
		async post<T>(path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 180_000): Promise<T> {
			const response = await mf.dispatchFetch(`http://bench.local${path}`, {
				method: "POST",
				headers: { "content-type": "application/json", ...headers },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(timeoutMs),
			});
			const text = await response.text();
			let answer: T & { error?: string };
			try {
				answer = JSON.parse(text);
			} catch {
				throw new Error(`${path} answered ${response.status}: ${text.slice(0, 300)}`);
			}
			if (!response.ok || answer.error) {
				throw new Error(answer.error ?? `${path} answered ${response.status}: ${text.slice(0, 300)}`);
			}
			return answer;
		},
		dispose: () => mf.dispose(),
		miniflare: mf,
	};
}

export function startBenchWorker(scriptPath: string): Promise<BenchWorker> {
	return startWorker({ scriptPath, durableObjects: { RATE_LIMITER: "RateLimiter", RELAY_POOL: "RelayPool" } });
}
