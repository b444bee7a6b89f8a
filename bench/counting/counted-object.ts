/**
 * A Durable Object class, counted: a subclass of edgesend's own class that
 * counts every request the runtime hands an instance (each RPC method call,
 * `fetch`, `alarm`) under the object's class and name, with the handler's
 * time, and answers `__benchStats()` (its SQLite size and rows, read where
 * only the object can read them). A method the object calls on itself (its
 * alarm running its sweep) is part of the request that made it, not a
 * request: an AsyncLocalStorage marks which instance's handler is running.
 * An alarm runs marked as timed work (timed.ts).
 */

import { DurableObject } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
import { contentOf } from "./content.ts";
import { countCall, type ObjectReport, objectCounts, type TableContent, token } from "./registry.ts";
import { TIMED_HANDLERS, timed } from "./timed.ts";

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base must take any arguments
type ObjectClass = abstract new (...args: any[]) => object;

const running = new AsyncLocalStorage<object>();

/** The methods an instance of `base` answers, its own and inherited ones, up to the runtime's base class. */
function methodsOf(base: ObjectClass): string[] {
	const names = new Set<string>();
	const stop = [DurableObject.prototype, Object.prototype];
	for (let proto = base.prototype; proto && !stop.includes(proto); proto = Object.getPrototypeOf(proto)) {
		for (const name of Object.getOwnPropertyNames(proto)) {
			const descriptor = Object.getOwnPropertyDescriptor(proto, name);
			if (name !== "constructor" && typeof descriptor?.value === "function") names.add(name);
		}
	}
	return [...names];
}

function isPromise(value: unknown): value is Promise<unknown> {
	return typeof (value as Promise<unknown> | undefined)?.then === "function";
}

/** `base` counted as `className`; `wrapEnv` gives the object the same counted bindings as the Worker. */
export function countedClass<C extends ObjectClass>(base: C, className: string, wrapEnv: (env: unknown) => unknown): C {
	const Base = base as unknown as new (ctx: DurableObjectState, env: unknown) => object;
	class Counted extends Base {
		readonly #state: DurableObjectState;

		constructor(ctx: DurableObjectState, env: unknown) {
			super(ctx, wrapEnv(env));
			this.#state = ctx;
		}

		__benchStats(): ObjectReport {
			const name = nameOf(this.#state);
			const counts = objectCounts(className, name);
			const calls = Object.values(counts?.methods ?? {}).reduce((sum, m) => sum + m.calls, 0);
			let databaseSize = 0;
			let content: TableContent[] = [];
			try {
				databaseSize = this.#state.storage.sql.databaseSize;
				content = contentOf(this.#state.storage.sql);
			} catch {
				// An object without SQLite storage has no size to give.
			}
			return { name, databaseSize, content, token: token(), calls };
		}

		/** The instance's name, for methods wrapped below (they run as `this`). */
		__benchName(): string {
			return nameOf(this.#state);
		}
	}
	for (const method of methodsOf(base)) {
		const inner = (Base.prototype as Record<string, (...args: unknown[]) => unknown>)[method];
		Object.defineProperty(Counted.prototype, method, {
			configurable: true,
			writable: true,
			value: function counted(this: Counted, ...args: unknown[]) {
				// A call from inside this instance's own request belongs to that request.
				if (running.getStore() === this) return inner.apply(this, args);
				const name = this.__benchName();
				const start = Date.now();
				const done = () => countCall(className, name, method, Date.now() - start);
				// An alarm is timed work: what it asks of other objects is counted as such (counted-worker.ts).
				const call = () => inner.apply(this, args);
				const run = TIMED_HANDLERS.has(method) ? () => timed.run(true, call) : call;
				return running.run(this, () => {
					let result: unknown;
					try {
						result = run();
					} catch (error) {
						done();
						throw error;
					}
					if (!isPromise(result)) {
						done();
						return result;
					}
					return result.then(
						(value) => {
							done();
							return value;
						},
						(error: unknown) => {
							done();
							throw error;
						},
					);
				});
			},
		});
	}
	Object.defineProperty(Counted, "name", { value: className });
	return Counted as unknown as C;
}

const nameOf = (state: DurableObjectState): string => state.id.name ?? state.id.toString();
