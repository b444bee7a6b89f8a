/**
 * edgesend's Worker handlers, counted: each handler (and each Durable Object,
 * through countedClass) sees the same bindings with every D1 database
 * counted and every Durable Object stub noting the calls an alarm or the
 * cron makes (timed work), and the bench reads the counts at `GET /__bench/stats` (the
 * requests each object and database received) and `GET /__bench/sizes` (each
 * object's SQLite size, asked of the object itself). Everything else goes to
 * edgesend's own `fetch`.
 */
import { countedD1 } from "./counted-d1.ts";
import { countTimedCall, type ObjectReport, snapshot, token } from "./registry.ts";
import { timed } from "./timed.ts";

/** What the generated entry tells the counting code about wrangler.toml's bindings. */
export interface CountingConfig {
	/** D1 binding names. */
	databases: string[];
	/** Durable Object binding name → class name. */
	objects: Record<string, string>;
}

type Env = Record<string, unknown>;

/** One counted copy per env object, so the app sees the same bindings object every time. */
const wrapped = new WeakMap<object, Env>();

/** A stub whose calls, made inside an alarm or the cron, are counted as timed work on the object they reach. */
function timedStub<T extends object>(stub: T, className: string, name: string): T {
	return new Proxy(stub, {
		get(target, property) {
			const value = Reflect.get(target, property, target);
			if (typeof value !== "function" || typeof property !== "string") return value;
			return (...args: unknown[]) => {
				if (timed.getStore()) countTimedCall(className, name, property);
				// Reflect.apply: an RPC method stub takes `.apply` for a method of that name.
				return Reflect.apply(value, target, args);
			};
		},
	});
}

/** A Durable Object namespace whose stubs count their timed calls. */
function timedNamespace(namespace: DurableObjectNamespace, className: string): DurableObjectNamespace {
	return new Proxy(namespace, {
		get(target, property) {
			if (property === "get")
				return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
					timedStub(target.get(id, options), className, id.name ?? id.toString());
			const value = Reflect.get(target, property, target);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

export function countingEnv(config: CountingConfig): (env: unknown) => unknown {
	return (env) => {
		if (!env || typeof env !== "object") return env;
		const known = wrapped.get(env);
		if (known) return known;
		const counted: Env = { ...(env as Env) };
		for (const binding of config.databases) {
			const db = counted[binding] as D1Database | undefined;
			if (db) counted[binding] = countedD1(db, binding);
		}
		for (const [binding, className] of Object.entries(config.objects)) {
			const namespace = counted[binding] as DurableObjectNamespace | undefined;
			if (namespace) counted[binding] = timedNamespace(namespace, className);
		}
		wrapped.set(env, counted);
		return counted;
	};
}

/** The size of one object of each class under a name no path uses: what an empty object weighs. */
const EMPTY_NAME = "__bench_empty__";

interface Stub {
	__benchStats(): Promise<ObjectReport>;
}

/** The object by the name it was counted under (an object made from an id is counted under the id). */
function stubOf(env: Env, binding: string, name: string): Stub {
	const namespace = env[binding] as DurableObjectNamespace;
	const id = /^[0-9a-f]{64}$/.test(name) ? namespace.idFromString(name) : namespace.idFromName(name);
	return namespace.get(id) as unknown as Stub;
}

/**
 * Each counted object's report, an empty object's size per class and each D1
 * database's size; refuses an object outside this isolate's counts.
 */
async function sizes(env: Env, config: CountingConfig) {
	const bindingOf = Object.fromEntries(Object.entries(config.objects).map(([binding, cls]) => [cls, binding]));
	const { objects } = snapshot();
	const reports = await Promise.all(
		objects
			.filter((o) => bindingOf[o.className])
			.map(async (o) => ({
				className: o.className,
				...(await stubOf(env, bindingOf[o.className], o.name).__benchStats()),
			})),
	);
	const foreign = reports.find((r) => r.token !== token());
	if (foreign)
		throw new Error(`${foreign.className} ${foreign.name} counts in another isolate: its counts are not here`);
	// D1 says its size after every query; a query of nothing, on the binding itself, is not counted.
	const databases = await Promise.all(
		config.databases.map(async (binding) => {
			const { meta } = await (env[binding] as D1Database).prepare("SELECT 1").run();
			return { binding, bytes: Number((meta as { size_after?: number }).size_after ?? 0) };
		}),
	);
	const empty = await Promise.all(
		Object.entries(config.objects).map(async ([binding, className]) => ({
			className,
			databaseSize: (await stubOf(env, binding, EMPTY_NAME).__benchStats()).databaseSize,
		})),
	);
	return { objects: reports, empty, databases };
}

export function countedWorker<H extends ExportedHandler<Env>>(worker: H, config: CountingConfig): H {
	const wrapEnv = countingEnv(config) as (env: Env) => Env;
	const handlers: ExportedHandler<Env> = {
		async fetch(request, env, ctx) {
			const path = new URL(request.url).pathname;
			if (path === "/__bench/stats") return Response.json(snapshot());
			if (path === "/__bench/sizes") {
				try {
					return Response.json(await sizes(env, config));
				} catch (error) {
					return Response.json({ error: String(error) }, { status: 500 });
				}
			}
			if (!worker.fetch) return new Response("no fetch handler", { status: 404 });
			return worker.fetch(request as Parameters<NonNullable<H["fetch"]>>[0], wrapEnv(env), ctx);
		},
	};
	if (worker.queue) handlers.queue = (batch, env, ctx) => worker.queue?.(batch, wrapEnv(env), ctx);
	if (worker.scheduled)
		handlers.scheduled = (controller, env, ctx) => worker.scheduled?.(controller, wrapEnv(env), ctx);
	return handlers as H;
}
