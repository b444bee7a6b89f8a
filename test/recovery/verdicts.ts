/**
 * What the recovery test concludes from what it saw: the accepted sends, the
 * final records, every arrival at the relay, the records in flight when the
 * worker came back, the webhooks received. Each function answers the
 * problems it found (empty: the check holds), so run.ts only names and
 * prints them.
 */
import type { ReceivedWebhook } from "../../dev/activity.ts";
import type { Accepted, ListedRecord } from "./api.ts";
import type { Arrival } from "./relay-tally.ts";

/** What the checks read of a webhook the receiver took. */
export type WebhookSeen = Pick<ReceivedWebhook, "webhookId" | "type" | "ref" | "verified">;

export interface Observed {
	accepted: Accepted[];
	/** The final listing, by ref. */
	records: Map<string, ListedRecord>;
	arrivals: Arrival[];
	/** Refs listed as `sending` as soon as the restarted worker answered: claimed before the kill. */
	inFlightAtRestart: Set<string>;
	webhooks: WebhookSeen[];
}

const OPEN = new Set(["queued", "scheduled", "sending"]);
/** Outcomes where a recipient may lack a copy: the relay may or may not have it, or refused it. */
const MAY_LACK = new Set(["unknown", "failed"]);

const isFinal = (record: ListedRecord | undefined): boolean => record !== undefined && !OPEN.has(record.status);

/** Accepted refs that are missing from the listing or still open. */
export function notFinal(o: Observed): string[] {
	return o.accepted
		.filter((a) => !isFinal(o.records.get(a.ref)))
		.map((a) => `${a.ref} is ${o.records.get(a.ref)?.status ?? "not listed"}`);
}

/** How many copies of each message each recipient got. */
function copies(arrivals: Arrival[]): Map<string, Map<string, number>> {
	const byMessage = new Map<string, Map<string, number>>();
	for (const { messageId, recipient } of arrivals) {
		const byRecipient = byMessage.get(messageId) ?? new Map<string, number>();
		byRecipient.set(recipient, (byRecipient.get(recipient) ?? 0) + 1);
		byMessage.set(messageId, byRecipient);
	}
	return byMessage;
}

/** A recipient that got a message twice, or a message edgesend never accepted. */
export function duplicates(o: Observed): string[] {
	const known = new Map(o.accepted.map((a) => [a.messageId, a.ref]));
	const problems: string[] = [];
	for (const [messageId, byRecipient] of copies(o.arrivals)) {
		const ref = known.get(messageId);
		if (!ref) problems.push(`the relay got ${messageId}, which no accepted send has`);
		for (const [recipient, n] of byRecipient) {
			if (n > 1) problems.push(`${ref ?? messageId} reached ${recipient} ${n} times`);
		}
	}
	return problems;
}

/** A recipient without its copy, where the record's outcome says it should have one (or a copy nobody was to get). */
export function missing(o: Observed): string[] {
	const byMessage = copies(o.arrivals);
	const problems: string[] = [];
	for (const a of o.accepted) {
		const status = o.records.get(a.ref)?.status ?? "not listed";
		const got = byMessage.get(a.messageId) ?? new Map<string, number>();
		const to = new Set(a.to.map((address) => address.toLowerCase()));
		for (const recipient of got.keys()) {
			if (!to.has(recipient)) problems.push(`${a.ref} reached ${recipient}, not one of its recipients`);
		}
		if (MAY_LACK.has(status)) continue;
		const lacking = [...to].filter((recipient) => !got.has(recipient));
		if (lacking.length) problems.push(`${a.ref} is ${status} but never reached ${lacking.join(", ")}`);
	}
	return problems;
}

/** `unknown` is only for a claim the kill cut short: any other is a delivery the worker lost track of by itself. */
export function unexplainedUnknowns(o: Observed): string[] {
	return o.accepted
		.filter((a) => o.records.get(a.ref)?.status === "unknown" && !o.inFlightAtRestart.has(a.ref))
		.map((a) => `${a.ref} ended unknown but was not in flight at the kill`);
}

/** A scheduled message that reached the relay before its `sendAt`. */
export function early(o: Observed): string[] {
	const sendAt = new Map(o.accepted.filter((a) => a.sendAt !== null).map((a) => [a.messageId, a.sendAt as number]));
	return o.arrivals
		.filter((arrival) => arrival.at < (sendAt.get(arrival.messageId) ?? 0))
		.map((arrival) => `${arrival.messageId} reached ${arrival.recipient} before its sendAt`);
}

/**
 * Each record's `message.*` webhooks: exactly one webhook id for its final
 * status (a retry of the same id is the same webhook) and, for a scheduled
 * send, one `message.scheduled` before it; no other type, no type twice,
 * and every webhook's signature verified. (The relay sends no delivery
 * callbacks, so there are no provider events.)
 */
export function webhookProblems(o: Observed): string[] {
	const problems: string[] = [];
	const unverified = o.webhooks.filter((w) => !w.verified).length;
	if (unverified) problems.push(`${unverified} webhooks did not verify`);
	const idsByType = new Map<string, Map<string, Set<string>>>();
	for (const w of o.webhooks) {
		if (!w.verified || !w.ref || !w.type.startsWith("message.")) continue;
		const byType = idsByType.get(w.ref) ?? new Map<string, Set<string>>();
		byType.set(w.type, (byType.get(w.type) ?? new Set()).add(w.webhookId));
		idsByType.set(w.ref, byType);
	}
	for (const a of o.accepted) {
		const status = o.records.get(a.ref)?.status;
		const expected = [`message.${status}`, ...(a.sendAt === null ? [] : ["message.scheduled"])];
		const byType = idsByType.get(a.ref) ?? new Map<string, Set<string>>();
		for (const type of expected) {
			const ids = byType.get(type)?.size ?? 0;
			if (ids !== 1) problems.push(`${a.ref} (${status}) has ${ids} ${type} webhook ids`);
		}
		for (const type of byType.keys()) {
			if (!expected.includes(type)) problems.push(`${a.ref} (${status}) has a ${type} webhook`);
		}
	}
	return problems;
}
