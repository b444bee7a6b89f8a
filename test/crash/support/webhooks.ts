/**
 * The crash test's webhook promises, read from the run's receiver: each
 * final record has exactly one webhook of its own final status
 * (`message.sent`, `.failed`, `.unknown`), after its one `message.scheduled`
 * when it was scheduled; each event the provider's
 * callbacks reported (one per recipient) has exactly one `message.delivered`
 * webhook, about its record and after that record's `message.sent` (or, when
 * no record claimed its relay id within the hold, with `ref: null`, still
 * after it); and a record that was sent and whose every relay id was
 * reported delivered ends `delivered`. One webhook-id per event: the same id
 * posted again is allowed (at least once), a second id is not.
 */
import type { Ended } from "./checks";
import type { Callback } from "./provider";

/** A webhook as the receiver got it, in the order it arrived. */
export interface Post {
	order: number;
	id: string;
	type: string;
	ref: string | null;
	relayId: string;
	/** The recipient a provider event is about (lowercase). */
	to: string | null;
}

/** Our own final statuses, each announced by one `message.*` webhook. */
export const OWN_FINAL = new Set(["sent", "failed", "unknown", "canceled"]);

export interface WebhookReport {
	problems: string[];
	/** Delivered events of a record that went out with `ref: null` (the hold ended before the record was known). */
	unmatched: number;
}

const firstOf = (posts: Post[]) => Math.min(...posts.map((p) => p.order));

export function webhookProblems(
	posts: Post[],
	ended: Ended[],
	callbacks: Callback[],
	recordOfCallback: (callback: Callback) => Ended | undefined,
): WebhookReport {
	const problems: string[] = [];
	let unmatched = 0;
	const ownOf = (e: Ended) =>
		posts.filter((p) => p.ref === e.record.ref && OWN_FINAL.has(p.type.replace(/^message\./, "")));
	for (const e of ended) {
		const own = ownOf(e);
		const status = e.events.find((ev) => OWN_FINAL.has(ev.type))?.type;
		const ids = new Set(own.map((p) => p.id));
		const types = new Set(own.map((p) => p.type));
		if (ids.size !== 1 || types.size !== 1 || !types.has(`message.${status}`)) {
			problems.push(
				`message ${e.index} (${e.record.ref}): ended ${status}, its own webhooks were ${JSON.stringify(own.map((p) => `${p.type} ${p.id}`))}`,
			);
		}
		if (e.events[0]?.type !== "scheduled") continue;
		// A send that waited for its sendAt said so once, before its final status.
		const scheduled = posts.filter((p) => p.ref === e.record.ref && p.type === "message.scheduled");
		if (new Set(scheduled.map((p) => p.id)).size !== 1) {
			problems.push(`message ${e.index} (${e.record.ref}): message.scheduled went out ${scheduled.length} times`);
		} else if (own.length && firstOf(own) < firstOf(scheduled)) {
			problems.push(`message ${e.index} (${e.record.ref}): message.${status} went out before message.scheduled`);
		}
	}
	for (const callback of callbacks) {
		if (!callback.answered) {
			problems.push(`the callback for ${callback.relayId} was never answered 200 (${callback.tries} tries)`);
			continue;
		}
		const e = recordOfCallback(callback);
		for (const to of callback.recipients) {
			const what = `the delivered event of ${callback.relayId} to ${to}`;
			const posted = posts.filter(
				(p) => p.type === "message.delivered" && p.relayId === callback.relayId && p.to === to.toLowerCase(),
			);
			const ids = new Set(posted.map((p) => p.id));
			const refs = new Set(posted.map((p) => p.ref));
			if (ids.size !== 1 || refs.size !== 1) {
				problems.push(`${what}: its webhooks were ${JSON.stringify(posted.map((p) => `${p.ref} ${p.id}`))}`);
				continue;
			}
			const [ref] = refs;
			if (ref === null && e && !["failed", "unknown"].includes(e.record.status)) unmatched++;
			if (ref !== null && ref !== e?.record.ref) {
				problems.push(`${what}: its webhook names ${ref}, the message it reports is ${e?.record.ref ?? "no record"}`);
				continue;
			}
			// Also one that went out unmatched: the message's own webhook says its relay id first.
			const sent = e ? ownOf(e).filter((p) => p.type === "message.sent") : [];
			if (e && sent.length && firstOf(posted) < firstOf(sent)) {
				problems.push(`${what}: message.delivered (ref ${ref}) went out before ${e.record.ref}'s message.sent`);
			}
		}
	}
	for (const e of ended) {
		const own = e.events.find((ev) => OWN_FINAL.has(ev.type))?.type;
		const reported = callbacks.filter((c) => recordOfCallback(c) === e);
		if (own === "sent" && reported.length && reported.every((c) => c.answered) && e.record.status !== "delivered") {
			problems.push(
				`message ${e.index} (${e.record.ref}): sent and reported delivered, but it ended ${e.record.status}`,
			);
		}
	}
	return { problems, unmatched };
}
