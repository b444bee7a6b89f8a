/**
 * What the provider's callback does with its events, one after another, each
 * step idempotent so that the provider's resend of a callback we answered
 * 500 completes whatever the first try left undone (issue 20, finding 7):
 * 1. the rule (status-rules.ts): the status it moves a record towards and
 *    its webhook type, as the store files it (a LinkedEvent);
 * 2. the suppression, when suppression-rule.ts says so (inserted once);
 * 3. the relay index (sharded by relay id): the record's ref when its relay
 *    id is known, else the event is held there (once per event id) until the
 *    record's relay id is put, or published with `ref: null` after the hold;
 * 4. a known record's shard files it (once per event id): on its timeline,
 *    its status moved forward, its webhook into the shard's outbox, in the
 *    same transaction;
 * 5. webhook jobs for the outbox rows just written. A failed queue send is
 *    not a failure: the row is there, and the shard's sweep queues its job.
 * Also the binding of a callback's signature to its body, in the relay index
 * object named by the signature.
 */
import type { Config } from "../config";
import { type DueJob, type QueueJob, sendJobs, webhookJobs } from "../store/jobs";
import { indexOf, type StoreBindings, shardOf, suppressionsOf } from "../store/messages-client";
import { placeOf, shardName } from "../store/ref";
import type { LinkedEvent } from "../store/types";
import { hex } from "../util/bytes";
import type { ProviderEvent } from "./engagelab-payload";
import { eventRules } from "./status-rules";
import { suppressionFor } from "./suppression-rule";
import { webhooksOn } from "./webhook-job";

export type CallbackStore = Pick<StoreBindings, "MESSAGES" | "RELAY_INDEX" | "SUPPRESSIONS">;

/** "conflict" when the signature came before with another body (a forged body under captured headers). */
export async function bindCallbackSignature(
	store: Pick<StoreBindings, "RELAY_INDEX">,
	signature: string,
	body: Uint8Array,
	now: number,
): Promise<"new" | "same" | "conflict"> {
	const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
	return indexOf(store, signature).bindSignature(signature, digest, now);
}

/** The event as the store files it: our type, and what the rules say it does. */
export function linkedEventOf(event: ProviderEvent): LinkedEvent {
	const rule = eventRules[event.type];
	return {
		id: event.id,
		relayId: event.relayId,
		recipient: event.recipient ?? null,
		type: event.type,
		at: event.at,
		detail: event.detail ?? null,
		...(rule.status ? { moveTo: rule.status } : {}),
		...(rule.webhook ? { webhook: rule.webhook } : {}),
	};
}

export interface Filed {
	/** Events new to their record, or newly held. */
	fresh: number;
}

/** Files every event (throws on the first step that fails: the caller answers 500, the provider resends). */
export async function fileEvents(
	store: CallbackStore,
	queue: Queue<QueueJob> | undefined,
	config: Pick<Config, "events" | "publicKeys" | "smtp">,
	events: readonly ProviderEvent[],
	now: number,
): Promise<Filed> {
	const publish = webhooksOn(config.events);
	const jobs: DueJob[] = [];
	let fresh = 0;
	for (const event of events) {
		const linked = linkedEventOf(event);
		const suppression = suppressionFor(event, config);
		if (suppression) {
			await suppressionsOf(store, event.apiUser ?? config.smtp.user, suppression.email).add(
				{ ...suppression, relayId: event.relayId, ...(event.detail ? { detail: event.detail } : {}) },
				now,
			);
		}
		const routed = await indexOf(store, event.relayId).route(linked, publish, now);
		if (routed.kind === "held") {
			if (routed.fresh) fresh++;
			continue;
		}
		const place = placeOf(routed.ref);
		const shard = shardOf(store, routed.ref);
		if (!place || !shard) throw new Error(`the relay index names ${routed.ref}, which is not a ref`);
		const [result] = await shard.linkEvents(routed.ref, [linked], [], now);
		if (result?.kind === "new" || result?.kind === "pending") fresh++;
		if (result && result.kind !== "missing") jobs.push(...webhookJobs(shardName(place), result.outbox));
	}
	if (jobs.length && queue) {
		await sendJobs(queue, jobs).catch((error: unknown) =>
			console.warn(
				JSON.stringify({
					level: "warn",
					msg: "webhook jobs not queued (the sweep queues them)",
					jobs: jobs.length,
					error: error instanceof Error ? error.message : String(error),
				}),
			),
		);
	}
	return { fresh };
}
