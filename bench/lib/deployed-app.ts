/**
 * edgesend's whole Worker (the bundle of src/index.ts) in workerd with the
 * bindings wrangler.toml declares, read through wrangler itself: the
 * SEND_QUEUE producer and (unless left out) its consumer with the toml's
 * batch settings, D1 with migrations/ applied, the R2 spool and the Durable
 * Objects. Storage is Miniflare's in-memory kind, so every start is empty.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { apiKey, appBindings } from "./app-sender.ts";
import type { Link } from "./senders.ts";
import { startWorker, type WorkerHandle, type WorkerOptions } from "./workerd.ts";

const root = new URL("../../", import.meta.url);

/** The parts of wrangler's reading of the toml used here (its own type loses them to an Omit over a union). */
type TomlOptions = NonNullable<WorkerOptions["storage"]> & Pick<V4WorkerOptions, "bindings" | "durableObjects">;

export interface DeployedAppOptions {
	link: Link;
	perMinute: number;
	/** Keep wrangler.toml's queue consumer (false: jobs are queued and left there). */
	consumer: boolean;
	/** Settings on top of the link's (a second route, shorter timeouts…). */
	bindings?: Record<string, string>;
	/** Durable Object bindings of the toml to leave out (the failover suite's breaker off). */
	without?: string[];
}

export interface DeployedApp {
	handle: WorkerHandle;
	/** POST /v1/send as the bench's key: the status and the answer's JSON. */
	send(body: unknown, async: boolean): Promise<{ status: number; answer: Record<string, unknown> }>;
	/** Records by status, straight from D1. */
	statusCounts(): Promise<Record<string, number>>;
	dispose(): Promise<void>;
}

/** migrations/ in order, each split into statements as `wrangler d1 migrations apply` splits them. */
function migrationStatements(): string[] {
	const dir = new URL("migrations/", root);
	return readdirSync(dir)
		.filter((name) => name.endsWith(".sql"))
		.sort()
		.flatMap((name) => unstable_splitSqlQuery(readFileSync(new URL(name, dir), "utf8")));
}

export async function startDeployedApp(scriptPath: string, options: DeployedAppOptions): Promise<DeployedApp> {
	const toml = unstable_getMiniflareWorkerOptions(fileURLToPath(new URL("wrangler.toml", root)))
		.workerOptions as TomlOptions;
	const durableObjects = Object.fromEntries(
		Object.entries(toml.durableObjects ?? {})
			.filter(([binding]) => !options.without?.includes(binding))
			.map(([binding, d]) => [binding, typeof d === "string" ? d : d.className]),
	);
	const handle = await startWorker({
		scriptPath,
		bindings: {
			...(toml.bindings as Record<string, string>),
			...appBindings(options.link, options.perMinute),
			...options.bindings,
		},
		durableObjects,
		storage: {
			d1Databases: toml.d1Databases,
			r2Buckets: toml.r2Buckets,
			queueProducers: toml.queueProducers,
			...(options.consumer ? { queueConsumers: toml.queueConsumers } : {}),
		},
	});
	const db = await handle.miniflare.getD1Database("DB");
	for (const statement of migrationStatements()) await db.prepare(statement).run();
	return {
		handle,
		async send(body, async) {
			const response = await handle.miniflare.dispatchFetch("http://bench.local/v1/send", {
				method: "POST",
				headers: {
					authorization: `Bearer ${apiKey}`,
					"content-type": "application/json",
					...(async ? { prefer: "respond-async" } : {}),
				},
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(120_000),
			});
			const text = await response.text();
			try {
				return { status: response.status, answer: JSON.parse(text) };
			} catch {
				return { status: response.status, answer: { text: text.slice(0, 300) } };
			}
		},
		async statusCounts() {
			const { results } = await db
				.prepare("SELECT status, COUNT(*) AS n FROM messages GROUP BY status")
				.all<{ status: string; n: number }>();
			return Object.fromEntries(results.map((r) => [r.status, r.n]));
		},
		dispose: () => handle.dispose(),
	};
}
