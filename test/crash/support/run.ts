/**
 * One run of a message's life for the crash test: a fresh api_user (its own
 * limiter and suppression lists), a fresh API key (its own owner, so its
 * records are its own), a fault relay and a webhook receiver of its own, and
 * the run's own queue (queue.ts) and clock. The client's requests go to the
 * app with the bindings wrapped (calls.ts); `drain` plays the platform and
 * the provider: the provider's callbacks for what the relay received
 * (provider.ts), the queue's due batches to the consumer, and when nothing is
 * due, the clock a minute on and the sweep of every object the run touched,
 * as their alarms would — until nothing is left to do.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../../src/app";
import type { Bindings } from "../../../src/env";
import type { QueueJob } from "../../../src/records/consumer";
import type { DueJob } from "../../../src/store/jobs";
import { BASE, baseEnv } from "../../api/support";
import { ENGAGELAB_KEY, SECRET, startReceiver } from "../../events/support";
import { type FaultRecord, type FaultScript, startFaultRelay } from "../../helpers/faults";
import { CallLog, type Fault, wrapBucket, wrapNamespace, wrapQueue } from "./calls";
import { Background, Invocation } from "./invocation";
import { Provider } from "./provider";
import { RunQueue } from "./queue";

/** How far the clock moves when nothing is due: the objects' alarms sweep about once a minute. */
export const TICK_MS = 60_000;
/** A run still busy after this many minutes of its clock is a failure (the sweep's bound is minutes). */
const MAX_TICKS = 60;
/** More consumer invocations than this in one run means jobs going round in circles. */
const MAX_BATCHES = 400;
/** The api_user's limit in a run (checks.ts reads its limiter at it). */
export const RATE_LIMIT = 5_000;
/** Messages of a run that get a relay id of the run's own (more than any path sends). */
const RELAY_IDS = 50;

const DURABLE_OBJECTS = [
	"MESSAGES",
	"RELAY_INDEX",
	"SUPPRESSIONS",
	"DIRECTORY",
	"IDEMPOTENCY",
	"RATE_LIMITER",
] as const;

/** An answer the client got, or none (its invocation died). */
export type Answer = { status: number; headers: Headers; body: unknown } | "abandoned";

let runs = 0;

export class CrashRun {
	readonly log: CallLog;
	readonly user: string;
	readonly apiKey: string;
	/** The run's clock: the real present at its start, moved on by `drain`. */
	clock = Date.now();
	/** The provider, calling back for what the relay received. */
	readonly provider: Provider = new Provider(this);
	readonly #queue = new RunQueue(
		(invocation) => this.bindingsFor(invocation),
		() => this.clock,
	);
	#relay?: Awaited<ReturnType<typeof startFaultRelay>>;
	#receiver?: Awaited<ReturnType<typeof startReceiver>>;

	constructor(
		readonly script: Omit<FaultScript, "security" | "users">,
		fault?: Fault,
	) {
		this.log = new CallLog(fault);
		const n = ++runs;
		this.user = `crash_${n}_${crypto.randomUUID().slice(0, 8)}`;
		this.apiKey = `crash-key-${n}-${crypto.randomUUID()}`;
	}

	async start(): Promise<void> {
		// Relay ids of this run's own (the relay index is shared by every run): `<user>_<n>` for the n-th message.
		const scripted = this.script.at?.message;
		const message = Array.from({ length: RELAY_IDS }, (_, i) => {
			const fault = Array.isArray(scripted) ? scripted[i] : scripted;
			return fault ?? { reply: `250 #${this.user}_${i + 1}#Queued` };
		});
		this.#relay = await startFaultRelay({
			...this.script,
			at: { ...this.script.at, message },
			security: "none",
			users: { [this.user]: "api_key" },
			acrossConnections: true,
		});
		this.#receiver = await startReceiver();
	}

	async stop(): Promise<void> {
		await Promise.all([this.#relay?.stop(), this.#receiver?.stop()]);
	}

	get auth(): Record<string, string> {
		return { Authorization: `Bearer ${this.apiKey}`, "Content-Type": "application/json" };
	}

	/** What the run's relay received. */
	relayRecord(): Promise<FaultRecord> {
		return this.#required(this.#relay, "relay").record();
	}

	/** The webhooks the run's receiver was posted. */
	webhooks() {
		return this.#required(this.#receiver, "receiver").requests();
	}

	/** The run's settings and wrapped bindings for one invocation. */
	bindingsFor(invocation: Invocation): Bindings {
		const log = this.log;
		const wrapped: Record<string, unknown> = {};
		for (const name of DURABLE_OBJECTS)
			wrapped[name] = wrapNamespace(baseEnv[name] as DurableObjectNamespace, name, log, invocation);
		return {
			...baseEnv,
			SMTP_HOST: "localhost",
			SMTP_PORT: String(this.#required(this.#relay, "relay").port),
			SMTP_SECURITY: "none",
			SMTP_USER: this.user,
			SMTP_PASS: "api_key",
			SMTP_POOL: "off",
			API_KEYS: this.apiKey,
			// One limiter object for the api_user (5,000 a minute is one shard of the budget): one to ask for its count.
			RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
			EVENTS_WEBHOOK_URL: this.#required(this.#receiver, "receiver").url,
			EVENTS_WEBHOOK_SECRET: SECRET,
			ENGAGELAB_WEBHOOK_KEY: ENGAGELAB_KEY,
			...wrapped,
			SPOOL: wrapBucket(env.SPOOL, "SPOOL", log, invocation),
			SEND_QUEUE: wrapQueue<QueueJob>("SEND_QUEUE", (sent) => this.#queue.send(sent), log, invocation),
		} as Bindings;
	}

	/**
	 * One request to the app, as its own invocation. `atRunClock`: the objects
	 * get the run's clock, not the real one the app reads (the provider calls
	 * back at the run's time, which the sweeps' holds are measured in).
	 */
	async request(path: string, init: RequestInit, atRunClock = false): Promise<Answer> {
		const invocation = new Invocation(atRunClock ? () => this.clock : undefined);
		const background = new Background();
		const app = createApp().fetch(
			new Request(`${BASE}${path}`, init),
			this.bindingsFor(invocation),
			background.context,
		);
		const response = await Promise.race([app, invocation.died]);
		if (response === "died") {
			await invocation.landed();
			return "abandoned";
		}
		const text = await response.text();
		await Promise.race([background.settled(), invocation.died]);
		if (invocation.dead) await invocation.landed();
		const json = text && response.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : text;
		return { status: response.status, headers: response.headers, body: json };
	}

	/**
	 * The client waits `ms` (on the run's clock): so do the idempotency keys it
	 * used, whose objects read their time through their test seam from now on.
	 */
	async wait(ms: number): Promise<void> {
		this.clock = Math.max(this.clock, Date.now()) + ms;
		for (const name of this.objectsOf("IDEMPOTENCY")) {
			await runInDurableObject(baseEnv.IDEMPOTENCY.getByName(name), (store) => store.setClock(() => this.clock));
		}
	}

	/** Plays the queue and the alarms until nothing is due, nothing is open and no sweep finds work. */
	async drain(isQuiet: () => Promise<boolean>): Promise<void> {
		// The app's requests read the real clock: the queue's first look is no earlier than they were.
		this.clock = Math.max(this.clock, Date.now());
		let batches = 0;
		for (let ticks = 0; ; ) {
			await this.provider.callBack();
			if (await this.#queue.deliverDue()) {
				if (++batches > MAX_BATCHES)
					throw new Error(`more than ${MAX_BATCHES} queue batches: jobs go round in circles`);
				continue;
			}
			if (this.#queue.empty && !this.provider.pending && (await isQuiet())) return;
			if (++ticks > MAX_TICKS) throw new Error(`still busy ${MAX_TICKS} minutes on (the run's clock)`);
			this.clock += TICK_MS;
			await this.#sweep();
		}
	}

	/** Refs the run asked a shard to accept (whether or not the call took effect). */
	refs(): string[] {
		const refs = this.log.calls
			.filter((c) => c.site === "MESSAGES.accept")
			.map((c) => (c.args[0] as { ref: string }).ref);
		return [...new Set(refs)];
	}

	/** Names of the objects of `binding` the run's calls reached. */
	objectsOf(binding: string): string[] {
		return [...new Set(this.log.calls.filter((c) => c.site.startsWith(`${binding}.`)).map((c) => c.object))];
	}

	/** Runs `query` on the SQL of the `binding` object `name` (the real one, not through the log). */
	sql<Row extends Record<string, SqlStorageValue>>(
		binding: "MESSAGES" | "RELAY_INDEX",
		name: string,
		query: string,
		...bindings: SqlStorageValue[]
	): Promise<Row[]> {
		return runInDurableObject(env[binding].getByName(name), (_, state) =>
			state.storage.sql.exec<Row>(query, ...bindings).toArray(),
		);
	}

	/** The sweep of every store object the run touched, at the run's clock; its jobs go on the queue. */
	async #sweep(): Promise<void> {
		const due: DueJob[] = [];
		// The relay index first: its hold (HOLD_MS) ends before a shard puts a relay id again (INDEX_RECHECK_MS).
		for (const name of this.objectsOf("RELAY_INDEX"))
			due.push(...(await env.RELAY_INDEX.getByName(name).sweep(this.clock)).jobs);
		for (const name of this.objectsOf("MESSAGES"))
			due.push(...(await env.MESSAGES.getByName(name).sweep(this.clock)).jobs);
		// A shard holds other runs' records too: their send jobs are theirs (a webhook job posts to this run's receiver).
		const refs = new Set(this.refs());
		const ours = due.filter(({ job }) => job.kind !== "send" || refs.has(job.ref));
		this.#queue.send(ours.map(({ job, delaySeconds }) => ({ body: job, delaySeconds })));
	}

	#required<T>(value: T | undefined, what: string): T {
		if (value === undefined) throw new Error(`the run's ${what} is not started`);
		return value;
	}
}
