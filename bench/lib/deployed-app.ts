/**
 * edgesend's whole Worker (the bundle of src/index.ts) in workerd with the
 * bindings wrangler.toml declares, read through wrangler itself: the
 * SEND_QUEUE producer and (unless left out) its consumer with the toml's
 * batch settings, the R2 spool and the Durable Objects (the message store
 * among them). Storage is Miniflare's in-memory kind, so every start is empty.
 */
import { fileURLToPath } from "node:url";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
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
	/** Settings on top of the link's and the limit (a second route, shorter timeouts, webhooks, the provider's callback key). */
	bindings?: Record<string, string>;
	/** Durable Object bindings of the toml to leave out (the failover suite's breaker off). */
	without?: string[];
}

export interface DeployedApp {
	handle: WorkerHandle;
	/** POST /v1/send as the bench's key: the status and the answer's JSON. */
	send(body: unknown, async: boolean): Promise<{ status: number; answer: Record<string, unknown> }>;
	/** The bench key's records by status, read through GET /v1/messages. */
	statusCounts(): Promise<Record<string, number>>;
	dispose(): Promise<void>;
}

/** wrangler.toml as wrangler reads it, with its Durable Objects as binding → class name and its D1 bindings. */
export function readToml(without: readonly string[] = []): {
	toml: TomlOptions;
	durableObjects: Record<string, string>;
	d1Bindings: string[];
} {
	const toml = unstable_getMiniflareWorkerOptions(fileURLToPath(new URL("wrangler.toml", root)))
		.workerOptions as TomlOptions;
	const durableObjects = Object.fromEntries(
		Object.entries(toml.durableObjects ?? {})
			.filter(([binding]) => !without.includes(binding))
			.map(([binding, d]) => [binding, typeof d === "string" ? d : d.className]),
	);
	const d1 = toml.d1Databases ?? [];
	const d1Bindings = Array.isArray(d1) ? d1 : Object.keys(d1);
	return { toml, durableObjects, d1Bindings };
}

export async function startDeployedApp(scriptPath: string, options: DeployedAppOptions): Promise<DeployedApp> {
	const { toml, durableObjects } = readToml(options.without);
	const handle = await startWorker({
		scriptPath,
		bindings: {
			...(toml.bindings as Record<string, string>),
			...appBindings(options.link, options.perMinute),
			...options.bindings,
		},
		durableObjects,
		storage: {
			// None on the store's code; a toml that declares one gets it (empty: no migrations applied here).
			d1Databases: toml.d1Databases,
			r2Buckets: toml.r2Buckets,
			queueProducers: toml.queueProducers,
			...(options.consumer ? { queueConsumers: toml.queueConsumers } : {}),
		},
	});
	const get = async (path: string) => {
		const response = await handle.miniflare.dispatchFetch(`http://bench.local${path}`, {
			headers: { authorization: `Bearer ${apiKey}` },
		});
		return (await response.json()) as { messages: { status: string }[]; cursor: string | null };
	};
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
			const counts: Record<string, number> = {};
			let cursor: string | null = null;
			do {
				const page = await get(`/v1/messages?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
				for (const { status } of page.messages) counts[status] = (counts[status] ?? 0) + 1;
				cursor = page.cursor;
			} while (cursor);
			return counts;
		},
		dispose: () => handle.dispose(),
	};
}
