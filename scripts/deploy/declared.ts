/**
 * What the Wrangler configuration (wrangler.toml) declares that an account
 * must hold, read with wrangler's own reader so the names and defaults are
 * the ones `wrangler deploy` uses. Nothing here is a fixed list: a binding
 * added to or dropped from the file is created or left alone on the next
 * deploy. Split by who creates it: this script (D1 databases, so their
 * migrations run before the code that needs them; queues no producer binding
 * names, such as dead-letter queues) or `wrangler deploy` itself (its
 * automatic provisioning: producer queues, R2 buckets, KV namespaces; and
 * Durable Object classes through [[migrations]]).
 */
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { DeployStop } from "./wrangler-cli.ts";

export interface DeclaredDatabase {
	binding: string;
	name: string;
	/** Set in the file: the database is the one with this id, nothing to look up or create. */
	id?: string;
	/** Its migrations folder, when it holds any `.sql` file. */
	migrations?: string;
}

export interface DeclaredQueue {
	name: string;
	/** What the Worker does with it: "produces", "consumes", "dead letters of <queue>". */
	uses: string[];
}

export interface Declared {
	worker: string;
	/** `account_id` from the file, if it names one. */
	accountId?: string;
	databases: DeclaredDatabase[];
	/** Queues `wrangler deploy` does not create: consumed only, or dead-letter queues. */
	queues: DeclaredQueue[];
	/** One line each for what `wrangler deploy` creates when missing, saying so. */
	createdByDeploy: string[];
	/** One line each for what no command creates (set up in the dashboard). */
	setUpElsewhere: string[];
	/** The names under [vars]: a setting given there needs no secret. */
	vars: string[];
}

/**
 * The part of wrangler's normalised config read here. Its own type reaches
 * into a package wrangler bundles without types, so the fields come out
 * untyped: this says what they are.
 */
interface WranglerConfig {
	configPath?: string;
	name?: string;
	account_id?: string;
	vars?: Record<string, unknown>;
	d1_databases: { binding: string; database_name?: string; database_id?: string; migrations_dir?: string }[];
	queues: {
		producers?: { binding: string; queue?: string }[];
		consumers?: { queue: string; dead_letter_queue?: string }[];
	};
	r2_buckets: { binding: string; bucket_name?: string }[];
	kv_namespaces: { binding: string; id?: string }[];
	durable_objects: { bindings: { class_name: string; script_name?: string }[] };
	send_email: { name: string }[];
}

/** The name wrangler gives a resource declared without one (its automatic provisioning). */
export const provisionedName = (worker: string, binding: string) =>
	`${worker}-${binding.toLowerCase().replaceAll("_", "-")}`;

export function readDeclared(): Declared {
	const config = unstable_readConfig({}, { hideWarnings: true }) as WranglerConfig;
	if (!config.configPath) throw new DeployStop("no wrangler.toml (or wrangler.json) here: run this from the project");
	if (!config.name) throw new DeployStop(`${config.configPath} names no Worker (name = "…")`);
	const worker = config.name;
	const root = dirname(config.configPath);

	const databases = config.d1_databases.map((db) => ({
		binding: db.binding,
		name: db.database_name ?? provisionedName(worker, db.binding),
		id: db.database_id,
		migrations: sqlFolder(resolve(root, db.migrations_dir ?? "migrations")),
	}));

	const producerQueues = new Map<string, string[]>();
	for (const producer of config.queues.producers ?? []) {
		const name = producer.queue ?? provisionedName(worker, producer.binding);
		producerQueues.set(name, [...(producerQueues.get(name) ?? []), producer.binding]);
	}
	const queues = new Map<string, string[]>();
	const use = (name: string, how: string) => {
		if (!producerQueues.has(name)) queues.set(name, [...(queues.get(name) ?? []), how]);
	};
	for (const consumer of config.queues.consumers ?? []) {
		use(consumer.queue, "consumes");
		if (consumer.dead_letter_queue) use(consumer.dead_letter_queue, `dead letters of ${consumer.queue}`);
	}

	const ifMissing = "wrangler deploy creates it if missing";
	const createdByDeploy = [
		...[...producerQueues].map(([name, bindings]) => `queue ${name} (${bindings.join(", ")}): ${ifMissing}`),
		...config.r2_buckets.map(
			(bucket) =>
				`R2 bucket ${bucket.bucket_name ?? provisionedName(worker, bucket.binding)} (${bucket.binding}): ${ifMissing}`,
		),
		...config.kv_namespaces
			.filter((ns) => !ns.id)
			.map((ns) => `KV namespace ${provisionedName(worker, ns.binding)} (${ns.binding}): ${ifMissing}`),
	];
	const classes = new Set(config.durable_objects.bindings.filter((b) => !b.script_name).map((b) => b.class_name));
	if (classes.size) {
		createdByDeploy.push(`Durable Objects ${[...classes].join(", ")}: wrangler deploy creates them ([[migrations]])`);
	}

	const setUpElsewhere = config.send_email.map(
		(email) => `send_email ${email.name}: its sender domain must be onboarded to Cloudflare Email Service (dashboard)`,
	);

	return {
		worker,
		accountId: config.account_id,
		databases,
		queues: [...queues].map(([name, uses]) => ({ name, uses })),
		createdByDeploy,
		setUpElsewhere,
		vars: Object.keys(config.vars ?? {}),
	};
}

function sqlFolder(path: string): string | undefined {
	try {
		return readdirSync(path).some((file) => file.endsWith(".sql")) ? path : undefined;
	} catch {
		return undefined;
	}
}
