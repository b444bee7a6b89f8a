/** What the store tests share: the objects by name, and records shaped the way the send path makes them. */
import { env } from "cloudflare:workers";
import { newRef, placeOf, shardName } from "../../src/store/ref";
import type { AcceptInput } from "../../src/store/shard-lifecycle";

/**
 * The tests' clock starts at the real present: the objects set their alarms
 * from the clocks they are handed, and an alarm in the real past would fire
 * at once and sweep with the real clock in the middle of a test.
 */
export const T0 = Date.now();

export const shardFor = (ref: string) => {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	return env.MESSAGES.getByName(shardName(place));
};

let n = 0;
/** A waiting record's fields, due at `dueAt` (default: T0). */
export function acceptInput(over: Partial<AcceptInput> = {}, createdAt = T0): AcceptInput {
	const ref = over.ref ?? newRef(createdAt);
	return {
		ref,
		owner: "bearer:test",
		apiUser: "api_user",
		messageId: `<m${++n}@example.com>`,
		from: "sender@example.com",
		to: ["ben@example.com", "amy@example.com"],
		subject: `subject ${n}`,
		labelId: null,
		tags: [{ name: "kind", value: "receipt" }],
		addresses: null,
		createdAt,
		publish: true,
		dueAt: createdAt,
		sendAt: null,
		deadlineAt: createdAt + 86_400_000,
		envelope: {
			from: "sender@example.com",
			to: ["ben@example.com", "amy@example.com"],
			size: 100,
			eightBit: false,
			smtpUtf8: false,
			ehloName: "edgesend.test",
		},
		maxOpen: 1000,
		...over,
	};
}
