/**
 * The one way a message reaches the relay, for every door (/v1/send,
 * /v1/batch, the RPC door through them, the queue consumer): `deliverMessages`. With the pool on
 * (SMTP_POOL, the RELAY_POOL binding) each message goes to a RelayPool object
 * that holds warm sessions; what no pool object takes, and everything with the
 * pool off, goes the direct way (batch-delivery.ts: sessions opened here).
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import { errorFromData, type PoolJob, type PoolOutcome, sendThroughPool, shardName } from "../pool";
import { SmtpError, type TransactionDeadline } from "../smtp";
import { deliverBatch, notSentAfter536 } from "./batch-delivery";
import { MAX_SESSIONS, runPooled } from "./batch-plan";
import { checkCapabilities, failure, sentResult, smtpConfigFor } from "./deliver";
import type { Admitted, Delivered, Prepared } from "./types";

/** How the messages reached the relay (the HTTP door shows it as `Server-Timing: relay` and in its log line). */
export interface RelayUse {
	ms: number;
	/** Every message that reached the relay went on a session that was already open. */
	warm: boolean;
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
): PoolJob {
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
				new SmtpError(
					`the relay pool was lost during the transaction (${outcome.detail}): the message may have been accepted`,
					{ stage: "message", kind: "unknown" },
				),
			);
	}
}

/** Whether the relay answered anything for this message (not a refused connection or a bad setting). */
function reached(result: Delivered): boolean {
	if (result.ok) return true;
	const stage = result.problem.smtp?.stage;
	return stage !== undefined && stage !== "connect" && stage !== "tls";
}
