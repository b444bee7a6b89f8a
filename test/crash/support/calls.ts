/**
 * The crash test's hands on the bindings. Every call a message's life makes
 * to a Durable Object, the spool (R2) or the queue goes through here: it is
 * counted in order, named by binding and method (its "site"), and one chosen
 * call — the n-th of its site — can be made to throw before it takes effect,
 * or to end its invocation the way a killed Worker ends: the call takes
 * effect (or not) and never answers, and nothing after it in that invocation
 * answers or takes effect either. Everything else passes through to the real
 * objects, bucket and queue; calls the objects make themselves (a sweep's
 * index puts and spool deletes) are not seen here.
 */

import { type Invocation, never } from "./invocation";

/** throw: the call fails before it takes effect; abandon-after / -before: the invocation dies after / before it. */
export type FaultKind = "throw" | "abandon-after" | "abandon-before";
export const FAULT_KINDS: readonly FaultKind[] = ["throw", "abandon-after", "abandon-before"];

/** Where to strike: the `occurrence`-th call (from 1) of `site` in the run. */
export interface Fault {
	kind: FaultKind;
	site: string;
	occurrence: number;
}

export interface LoggedCall {
	site: string;
	/** The object's name (Durable Objects), the key (R2), or "" (the queue). */
	object: string;
	args: unknown[];
}

/** Every call of one run, in order, and the one fault it carries (if any). */
export class CallLog {
	readonly calls: LoggedCall[] = [];
	readonly #seen = new Map<string, number>();
	#fired = false;

	constructor(readonly fault?: Fault) {}

	/** Whether the fault struck (a run whose path did not reach its call is no crash point). */
	get fired(): boolean {
		return this.#fired;
	}

	/** Makes `call` as the next call of `site` in `invocation`, or makes it fail as the fault says. */
	run<T>(invocation: Invocation, site: string, object: string, args: unknown[], call: () => Promise<T>): Promise<T> {
		if (invocation.dead) return never();
		const occurrence = (this.#seen.get(site) ?? 0) + 1;
		this.#seen.set(site, occurrence);
		this.calls.push({ site, object, args });
		const fault = this.fault;
		if (this.#fired || fault?.site !== site || fault.occurrence !== occurrence) return invocation.track(attempt(call));
		this.#fired = true;
		if (fault.kind === "throw") return Promise.reject(new Error(`injected: ${site} #${occurrence} failed`));
		if (fault.kind === "abandon-before") {
			invocation.die();
			return never();
		}
		return invocation.track(attempt(call)).then(
			() => dieThenHang(invocation),
			() => dieThenHang(invocation),
		);
	}
}

function dieThenHang<T>(invocation: Invocation): Promise<T> {
	invocation.die();
	return never();
}

function attempt<T>(call: () => Promise<T>): Promise<T> {
	try {
		return call();
	} catch (error) {
		return Promise.reject(error);
	}
}

/** The arguments with a trailing clock reading (the objects' `now`) read from `now` instead, when given. */
function atClock(args: unknown[], now: (() => number) | undefined): unknown[] {
	if (!now || typeof args.at(-1) !== "number") return args;
	return [...args.slice(0, -1), now()];
}

/** Calls of a stub's methods go through `log`, named `${binding}.${method}`. */
function wrapStub<S extends object>(stub: S, binding: string, object: string, log: CallLog, invocation: Invocation): S {
	return new Proxy(stub, {
		get(target, prop) {
			const value: unknown = Reflect.get(target, prop);
			if (typeof prop !== "string" || prop === "then" || typeof value !== "function") return value;
			return (...given: unknown[]) => {
				const args = atClock(given, invocation.now);
				return log.run(
					invocation,
					`${binding}.${prop}`,
					object,
					args,
					() => Reflect.apply(value, target, args) as Promise<unknown>,
				);
			};
		},
	});
}

/** A Durable Object namespace whose stubs' calls go through `log`. */
export function wrapNamespace<T extends Rpc.DurableObjectBranded | undefined>(
	namespace: DurableObjectNamespace<T>,
	binding: string,
	log: CallLog,
	invocation: Invocation,
): DurableObjectNamespace<T> {
	return new Proxy(namespace, {
		get(target, prop) {
			if (prop === "get") {
				return (id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
					wrapStub(target.get(id, options), binding, id.name ?? id.toString(), log, invocation);
			}
			if (prop === "getByName") {
				return (name: string, options?: DurableObjectNamespaceGetDurableObjectOptions) =>
					wrapStub(target.getByName(name, options), binding, name, log, invocation);
			}
			const value: unknown = Reflect.get(target, prop);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

/** An R2 bucket whose calls go through `log`, named `${binding}.${method}`. */
export function wrapBucket(bucket: R2Bucket, binding: string, log: CallLog, invocation: Invocation): R2Bucket {
	return new Proxy(bucket, {
		get(target, prop) {
			const value: unknown = Reflect.get(target, prop);
			if (typeof prop !== "string" || typeof value !== "function") return value;
			return (...args: unknown[]) =>
				log.run(invocation, `${binding}.${prop}`, String(args[0]), args, () => Reflect.apply(value, target, args));
		},
	});
}

/** What the run's queue keeps of a message sent to it. */
export interface Sent<Body> {
	body: Body;
	delaySeconds: number;
}

/** SEND_QUEUE as a producer whose messages go (through `log`) to `deliver`, the run's own queue. */
export function wrapQueue<Body>(
	binding: string,
	deliver: (sent: Sent<Body>[]) => void,
	log: CallLog,
	invocation: Invocation,
): Queue<Body> {
	const queue = {
		send: (body: Body, options?: QueueSendOptions) =>
			log.run(invocation, `${binding}.send`, "", [body], async () => {
				deliver([{ body, delaySeconds: options?.delaySeconds ?? 0 }]);
			}),
		sendBatch: (messages: Iterable<MessageSendRequest<Body>>) => {
			const list = [...messages];
			return log.run(invocation, `${binding}.sendBatch`, "", list, async () => {
				deliver(list.map((m) => ({ body: m.body, delaySeconds: m.delaySeconds ?? 0 })));
			});
		},
	};
	return queue as unknown as Queue<Body>;
}
