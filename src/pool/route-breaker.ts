/**
 * The RouteBreaker Durable Object: one circuit breaker per route (named by
 * the route's identity, routeKey below), so every isolate sees the same
 * state, and it survives the object's restart in SQLite storage. Each change
 * of position writes one log line. The arithmetic is breaker-state.ts.
 */
import { DurableObject } from "cloudflare:workers";
import {
	type Admission,
	admit,
	type BreakerChange,
	type BreakerPosition,
	type BreakerState,
	initialState,
	report,
} from "./breaker-state.ts";

/** What GET /v1/relays shows of a route's breaker. */
export interface BreakerView {
	state: BreakerPosition;
	/** ISO time the breaker took its position. */
	since: string;
	lastFailure?: { at: string; reason: string };
	/** Open: when one send may try the route again (ISO). */
	retryAt?: string;
}

/** The object's name for a route: its identity, so changed settings start a fresh breaker. */
export const routeKey = (route: { kind: string; host?: string; port?: number; user?: string; url?: string }): string =>
	route.kind === "smtp"
		? `smtp:${route.host}:${route.port}/${route.user}`
		: route.kind === "engagelab-rest"
			? `rest:${route.url}/${route.user}`
			: route.kind;

/** Longest failure reason kept (reasons come from our own SmtpError summaries). */
const MAX_REASON = 300;

export class RouteBreaker extends DurableObject {
	readonly #sql: SqlStorage;
	#now: () => number = Date.now;
	#state: BreakerState | undefined;
	#name = "";

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(
			"CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, state TEXT NOT NULL)",
		);
		const row = this.#sql.exec<{ name: string; state: string }>("SELECT name, state FROM breaker").toArray()[0];
		if (row) {
			this.#name = row.name;
			this.#state = JSON.parse(row.state) as BreakerState;
		}
	}

	/** May a send use this route now? `name` is the route's key (for the log line). */
	admit(name: string): Admission {
		const step = admit(this.#load(name), this.#now());
		this.#apply(step.state, step.change);
		return step.result;
	}

	/** What became of a send that used the route: `failure` is the route's fault, absent when it delivered. */
	report(name: string, failure?: string): BreakerView {
		const reason = failure === undefined ? undefined : String(failure).slice(0, MAX_REASON);
		const step = report(this.#load(name), this.#now(), reason);
		this.#apply(step.state, step.change);
		return this.#view(step.state);
	}

	view(name: string): BreakerView {
		return this.#view(this.#load(name));
	}

	/** Test-only: a clock the test moves (reached through runInDurableObject, never over RPC). */
	setClock(clock: () => number): void {
		if (typeof clock() !== "number") throw new TypeError("setClock: clock must return epoch milliseconds");
		this.#now = clock;
	}

	#load(name: string): BreakerState {
		if (!this.#name) this.#name = name;
		this.#state ??= initialState(this.#now());
		return this.#state;
	}

	#apply(state: BreakerState, change: BreakerChange | undefined): void {
		if (state === this.#state) return;
		this.#state = state;
		this.#sql.exec(
			"INSERT INTO breaker (id, name, state) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state",
			this.#name,
			JSON.stringify(state),
		);
		if (change) {
			console.log(
				JSON.stringify({
					level: change.to === "open" ? "warn" : "info",
					msg: "breaker",
					route: this.#name,
					from: change.from,
					to: change.to,
					reason: change.reason,
				}),
			);
		}
	}

	#view(state: BreakerState): BreakerView {
		const iso = (ms: number) => new Date(ms).toISOString();
		return {
			state: state.position,
			since: iso(state.since),
			...(state.lastFailure
				? { lastFailure: { at: iso(state.lastFailure.at), reason: state.lastFailure.reason } }
				: {}),
			...(state.position === "open" ? { retryAt: iso(state.since + state.coolDownMs) } : {}),
		};
	}
}
