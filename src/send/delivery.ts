/**
 * The one way a message reaches the relay, for every door (/v1/send,
 * /v1/batch, the RPC door through them, the queue consumer): `deliverMessages`. With the pool on
 * (SMTP_POOL, the RELAY_POOL binding) each message goes to a RelayPool object
 * that holds warm sessions; what no pool object takes, and everything with the
 * pool off, goes the direct way (batch-delivery.ts: sessions opened here).
 *
 * With a second route (issue 23), the first route's breaker is asked first
 * (open: every message goes straight to the second route) and told what
 * became of the messages; those the first route failed before it could have
 * them (the failover rule) go to the second route, once (second-route.ts).
 * The provider's REST API as the first route sends each message by itself.
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import {
	admitRoute,
	errorFromData,
	type PoolMessage,
	type PoolOutcome,
	routeKey,
	sendThroughPool,
	shardName,
} from "../pool";
import { SmtpError, type TransactionDeadline } from "../smtp";
import { deliverBatch, notSentAfter536 } from "./batch-delivery";
import { MAX_SESSIONS, runPooled } from "./batch-plan";
import { checkCapabilities, failure, sentResult, smtpConfigFor } from "./deliver";
import { type Problem, problem } from "./problem";
import { sendOverRoute } from "./route-send";
import { deliverSecond, type Moving, report, requestIdOf } from "./second-route";
import type { Admitted, Delivered, Prepared } from "./types";

/** How the messages reached the relay (the HTTP door shows it as `Server-Timing: relay` and in its log line). */
export interface RelayUse {
	ms: number;
	/** Every message that reached the relay went on a session that was already open. */
	warm: boolean;
	/** A message went by the second route. */
	fallback?: boolean;
}

export interface DeliveryReport {
	/** By request index. */
	results: Map<number, Delivered>;
	/** Absent when no message reached the relay. */
	relay?: RelayUse;
}

/**
 * Delivers `admitted` (each with its own label), every transaction within
 * `deadline` (its permits': nothing starts after `startBy`); `waitUntil`
 * keeps QUITs of direct sessions running.
 */
export async function deliverMessages(
	env: Bindings,
	config: Config,
	admitted: readonly Admitted[],
	waitUntil: (work: Promise<void>) => void,
	deadline?: TransactionDeadline,
): Promise<DeliveryReport> {
	const { primary, fallback } = config.routes;
	// Without a second route the breaker changes nothing: every send tries the relay, as before.
	const breakers = fallback ? env.ROUTE_BREAKER : undefined;
	const key = routeKey(primary);
	const started = Date.now();
	const admission = admitted.length ? await admitRoute(breakers, key) : { verdict: "go" as const };
	let first: DeliveryReport;
	if (admission.verdict === "skip") {
		const skipped = problem("relay_unavailable", "the relay is skipped while its circuit breaker is open", {
			retryAfter: Math.ceil(admission.retryInMs / 1000),
		});
		const results = new Map<number, Delivered>(
			admitted.map((a) => [a.index, { ok: false, problem: skipped, release: true, cool: false, failover: "route" }]),
		);
		first = { results };
	} else {
		first =
			primary.kind === "smtp"
				? await deliverOverRelay(env, config, admitted, waitUntil, deadline)
				: await deliverOverRest(primary, config, admitted);
		await report(breakers, key, [...first.results.values()]);
	}
	if (!fallback) return first;
	const moving: Moving[] = [];
	for (const item of admitted) {
		const d = first.results.get(item.index);
		if (d && !d.ok && (d.failover === "route" || (d.failover === "limit" && config.routes.fallbackOnLimit))) {
			moving.push({ ...item, first: d });
		}
	}
	if (!moving.length) return first;
	const second = await deliverSecond(env, config, fallback, moving, waitUntil);
	let took = false;
	for (const [index, d] of second) {
		first.results.set(index, d);
		took ||= d.ok;
	}
	if (!took) return first;
	return { results: first.results, relay: { ms: Date.now() - started, warm: false, fallback: true } };
}

/**
 * Messages the first route's limiter refused: with FALLBACK_ON_LIMIT=on and a
 * second route, that route takes them, within its own limit; undefined
 * otherwise (the caller answers the 429).
 */
export async function deliverOverLimit(
	env: Bindings,
	config: Config,
	refused: readonly Admitted[],
	limited: Problem,
	waitUntil: (work: Promise<void>) => void,
): Promise<DeliveryReport | undefined> {
	const { fallback, fallbackOnLimit } = config.routes;
	if (!fallback || !fallbackOnLimit || !refused.length) return undefined;
	const started = Date.now();
	// No permit of the first route was taken: nothing to give back.
	const first = { ok: false as const, problem: limited, release: false, cool: false };
	const results = await deliverSecond(
		env,
		config,
		fallback,
		refused.map((a) => ({ ...a, first })),
		waitUntil,
	);
	const took = [...results.values()].some((d) => d.ok);
	return took ? { results, relay: { ms: Date.now() - started, warm: false, fallback: true } } : { results };
}

/** The provider's REST API as the first route: each message its own request. */
async function deliverOverRest(
	route: Extract<Config["routes"]["primary"], { kind: "engagelab-rest" }>,
	config: Config,
	admitted: readonly Admitted[],
): Promise<DeliveryReport> {
	const started = Date.now();
	const results = new Map<number, Delivered>();
	await runPooled(
		admitted.map((item) => async () => {
			const { prepared } = item;
			try {
				const delivery = await sendOverRoute(
					route,
					{
						composed: prepared.composed,
						...(prepared.input ? { input: prepared.input } : {}),
						...(prepared.labelId === undefined ? {} : { labelId: prepared.labelId }),
						requestId: await requestIdOf(prepared.composed.messageId),
					},
					{ ehloName: config.smtp.ehloName, ...(config.smtp.timeoutMs ? { timeoutMs: config.smtp.timeoutMs } : {}) },
				);
				results.set(item.index, sentResult(prepared, { ...delivery, rejected: [] }));
			} catch (error) {
				results.set(item.index, failure(error));
			}
		}),
		MAX_SESSIONS,
	);
	const reached = [...results.values()].some((d) => d.ok);
	return reached ? { results, relay: { ms: Date.now() - started, warm: false } } : { results };
}

/** The SMTP relay as the first route: the warm pool when on, else (and for what it does not take) direct sessions. */
async function deliverOverRelay(
	env: Bindings,
	config: Config,
	admitted: readonly Admitted[],
	waitUntil: (work: Promise<void>) => void,
	deadline: TransactionDeadline | undefined,
): Promise<DeliveryReport> {
	const started = Date.now();
	const results = new Map<number, Delivered>();
	const warmth: boolean[] = [];
	const direct: Admitted[] = [];
	const namespace = env.RELAY_POOL;
	if (config.pool.enabled && namespace) {
		const target = {
			namespace,
			shards: config.pool.shards,
			...(config.pool.locationHint ? { locationHint: config.pool.locationHint } : {}),
		};
		let cooled = false;
		await runPooled(
			admitted.map((item) => async () => {
				if (cooled) {
					results.set(item.index, notSentAfter536());
					return;
				}
				const smtp = smtpConfigFor(config, item.prepared.labelId);
				const name = (shard: number) => shardName(smtp.host, smtp.port, smtp.user, shard);
				const outcome = await sendThroughPool(target, name, () =>
					jobFor(item.prepared, smtp, config.pool.idleMs, deadline),
				);
				if (outcome.kind === "direct") {
					direct.push(item);
					return;
				}
				const result = fromPool(item.prepared, outcome);
				if (outcome.kind === "sent" || outcome.kind === "failed") warmth.push(outcome.warm && reached(result));
				results.set(item.index, result);
				cooled ||= !result.ok && result.cool;
			}),
			MAX_SESSIONS,
		);
	} else direct.push(...admitted);
	if (direct.length) {
		for (const [index, result] of await deliverBatch(config, direct, waitUntil, deadline)) {
			results.set(index, result);
			if (reached(result)) warmth.push(false);
		}
	}
	const relay = warmth.length ? { ms: Date.now() - started, warm: warmth.every(Boolean) } : undefined;
	return relay ? { results, relay } : { results };
}

function jobFor(
	prepared: Prepared,
	smtp: ReturnType<typeof smtpConfigFor>,
	idleMs: number,
	deadline: TransactionDeadline | undefined,
): PoolMessage {
	const { envelope, size, eightBit, smtpUtf8 } = prepared.composed;
	const job = { smtp, envelope, size, eightBit, smtpUtf8, body: prepared.composed.body(), idleMs };
	return deadline ? { ...job, deadline } : job;
}

function fromPool(prepared: Prepared, outcome: Exclude<PoolOutcome, { kind: "direct" }>): Delivered {
	switch (outcome.kind) {
		case "sent":
			return sentResult(prepared, outcome.delivery);
		case "failed":
			return failure(errorFromData(outcome.error));
		case "unfit":
			try {
				checkCapabilities(outcome.capabilities, prepared);
			} catch (error) {
				return failure(error);
			}
			throw new Error("internal: the pool found the message unfit, the capabilities do not say why");
		case "lost":
			return failure(
				new SmtpError(`the call to the relay pool failed (${outcome.detail}): the message may have been accepted`, {
					stage: "message",
					kind: "unknown",
				}),
			);
	}
}

/** Whether the relay answered anything for this message (not a refused connection or a bad setting). */
function reached(result: Delivered): boolean {
	if (result.ok) return true;
	const stage = result.problem.smtp?.stage;
	return stage !== undefined && stage !== "connect" && stage !== "tls";
}
