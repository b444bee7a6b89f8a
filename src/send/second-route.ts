/**
 * The second route (issue 23): the messages the first route failed before it
 * could have them (or skipped, its breaker open), delivered once more — once —
 * by FALLBACK_SMTP_* (batch sessions, as the direct path), the provider's REST
 * API, or the FALLBACK_EMAIL binding. Within the second route's own limit
 * (FALLBACK_RATE_LIMIT_PER_MINUTE) and past its own breaker; whatever it
 * answers is the message's answer.
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import { admitRoute, reportRoute, routeKey } from "../pool";
import type { Route } from "../routes-config";
import { deliverBatch } from "./batch-delivery";
import { runPooled } from "./batch-plan";
import { failure, sentResult } from "./deliver";
import { limiterNamed } from "./limiter";
import { problem } from "./problem";
import { sendOverRoute } from "./route-send";
import type { Admitted, Delivered } from "./types";

/** A message the first route failed (or skipped): its index, and the first route's result. */
export interface Moving extends Admitted {
	first: Extract<Delivered, { ok: false }>;
}

/** The name of the second route's limiter object (the RateLimiter kind, apart from any api_user's). */
export const secondRouteLimiterName = (route: Route) => `route:${routeKey(route)}`;

/** The provider's de-duplication key for a message: its Message-ID (the same on every attempt of it). */
export async function requestIdOf(messageId: string): Promise<string> {
	const id = messageId.replace(/^<(.*)>$/, "$1");
	if (id.length <= 128) return id;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Delivers `moving` by `route`; a result per index, each with route "fallback" when the route took it. */
export async function deliverSecond(
	env: Bindings,
	config: Config,
	route: Route,
	moving: readonly Moving[],
	waitUntil: (work: Promise<void>) => void,
): Promise<Map<number, Delivered>> {
	const results = new Map<number, Delivered>();
	const breakers = env.ROUTE_BREAKER;
	const key = routeKey(route);
	const admission = await admitRoute(breakers, key);
	if (admission.verdict === "skip") {
		// Both routes failing: the first route's answer stands.
		for (const m of moving) results.set(m.index, m.first);
		return results;
	}
	let going = [...moving];
	const limit = config.routes.fallbackLimitPerMinute;
	const limiter = limit === undefined ? undefined : limiterNamed(env, secondRouteLimiterName(route), limit);
	const grant = limiter ? await limiter.acquire(going.length) : undefined;
	if (grant) {
		for (const m of going.slice(grant.granted)) {
			results.set(m.index, {
				...m.first,
				problem: problem(
					"rate_limited",
					"the second route is over its limit of sends per minute (FALLBACK_RATE_LIMIT_PER_MINUTE)",
					{
						retryAfter: Math.max(1, Math.ceil(grant.retryAfterMs / 1000)),
					},
				),
			});
		}
		going = going.slice(0, grant.granted);
	}
	if (!going.length) return results;

	const taken = new Map<number, Delivered>();
	if (route.kind === "smtp") {
		const viaSecond: Config = {
			...config,
			smtp: {
				...route,
				ehloName: config.smtp.ehloName,
				...(config.smtp.timeoutMs ? { timeoutMs: config.smtp.timeoutMs } : {}),
			},
		};
		for (const [index, d] of await deliverBatch(viaSecond, going, waitUntil)) taken.set(index, d);
	} else {
		await runPooled(
			going.map((m) => async () => {
				try {
					const delivery = await sendOverRoute(
						route,
						{
							composed: m.prepared.composed,
							...(m.prepared.input ? { input: m.prepared.input } : {}),
							...(m.prepared.labelId === undefined ? {} : { labelId: m.prepared.labelId }),
							requestId: await requestIdOf(m.prepared.composed.messageId),
						},
						{
							ehloName: config.smtp.ehloName,
							...(config.smtp.timeoutMs ? { timeoutMs: config.smtp.timeoutMs } : {}),
							...(isSendEmail(env.FALLBACK_EMAIL) ? { binding: env.FALLBACK_EMAIL } : {}),
							waitUntil: (work) => waitUntil(work.then(() => {})),
						},
					);
					const rejected = delivery.rejected.map((r) => ({ ...r, code: r.code ?? 550 }));
					taken.set(m.index, sentResult(m.prepared, { ...delivery, rejected }));
				} catch (error) {
					taken.set(m.index, failure(error));
				}
			}),
		);
	}

	const settled: Delivered[] = [];
	for (const m of going) {
		const d = taken.get(m.index) ?? m.first;
		const result: Delivered = d.ok
			? { ...d, sent: { ...d.sent, route: "fallback" }, release: m.first.release }
			: // Moved once: never again, whatever the second route's failure says.
				{ ...withoutFailover(d) };
		results.set(m.index, result);
		settled.push(d);
	}
	if (limiter && grant) {
		const released = settled.filter((d) => !d.ok && d.release).length;
		await limiter
			.settle(grant, { sent: settled.length - released, released })
			.catch((error: unknown) =>
				console.error(JSON.stringify({ level: "error", msg: "limiter settle failed", error: String(error) })),
			);
	}
	await report(breakers, key, settled);
	return results;
}

/** Tells a route's breaker what became of the messages it was given: its faults, else that it delivered. */
export async function report(
	breakers: Bindings["ROUTE_BREAKER"],
	key: string,
	results: readonly Delivered[],
): Promise<void> {
	const fault = results.find((d) => !d.ok && d.fault !== undefined);
	if (fault && !fault.ok) await reportRoute(breakers, key, fault.fault);
	else if (results.some((d) => d.ok || !d.fault)) await reportRoute(breakers, key, undefined);
}

function withoutFailover(d: Extract<Delivered, { ok: false }>): Delivered {
	const { failover: _, ...rest } = d;
	return rest;
}

function isSendEmail(value: unknown): value is SendEmail {
	return typeof value === "object" && value !== null && typeof (value as { send?: unknown }).send === "function";
}
