/**
 * Async sends and message records over the RPC door (the Worker's own
 * EdgeSend binding): `options.async`/`sendAt` resolve to the accepted
 * message, `status(ref)` and `cancel(ref)` read and cancel the binding
 * caller's own records, and `ref` comes with sync results too. The queue's
 * jobs are handed to the consumer by the test (test/records/support.ts), and
 * mail lands at the suite's shared STARTTLS relay.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AcceptedResult, EdgeSend, SendResult } from "../../src/client";
import { toProblem } from "../../src/client";
import { auth, call } from "../api/support";
import { sharedRelays } from "../helpers/relay";
import { consume, sendAsync } from "../records/support";

type Door = Service<EdgeSend>;
const door = (exports as unknown as { EdgeSend: Door }).EdgeSend;
const named = (caller: string) =>
	(exports as unknown as { EdgeSend: (o: { props: unknown }) => Door }).EdgeSend({ props: { caller } });

const recorded = async (tag: string) => (await sharedRelays.starttls().messages()).filter((m) => m.data.includes(tag));

const message = (tag: string, extra: Record<string, unknown> = {}) => ({
	from: "shop@example.com",
	to: "ben@example.com",
	subject: `rpc-records ${tag}`,
	text: `hello ${tag}`,
	...extra,
});

/** The problem a call rejected with, as a caller on the other side of the binding reads it. */
async function rejection(call: Promise<unknown>) {
	const error = await call.then(
		() => {
			throw new Error("expected the call to reject");
		},
		(e: unknown) => e,
	);
	expect((error as Error).name).toBe("EdgeSendError");
	const problem = toProblem(error);
	if (!problem) throw new Error(`not an EdgeSend problem: ${String(error)}`);
	return problem;
}

function accepted(result: unknown): AcceptedResult {
	expect(result).toMatchObject({ ref: expect.stringMatching(/^msg_[a-z2-7]{26}$/), messageId: expect.any(String) });
	return result as AcceptedResult;
}

describe("async sends over the binding", () => {
	it("options.async resolves to the queued message; status(ref) says sent with the relay's id once delivered", async () => {
		const tag = crypto.randomUUID();
		const queued = accepted(await door.send(message(tag), { async: true }));
		expect(queued.status).toBe("queued");
		expect(await recorded(tag)).toHaveLength(0);
		expect(await door.status(queued.ref)).toMatchObject({ ref: queued.ref, status: "queued", relayId: null });

		await consume([queued.ref]);
		const [delivered] = await recorded(tag);
		if (!delivered) throw new Error("the consumer did not deliver the message");
		const record = await door.status(queued.ref);
		expect(record).toMatchObject({
			ref: queued.ref,
			status: "sent",
			relayId: delivered.queueId,
			messageId: queued.messageId,
			to: ["ben@example.com"],
			subject: `rpc-records ${tag}`,
			attempts: 1,
		});
		expect(record.events.map((e) => e.type)).toEqual(["queued", "sent"]);
	});

	it("options.sendAt (a Date) schedules it; cancel(ref) cancels it, and nothing reaches the relay", async () => {
		const tag = crypto.randomUUID();
		const at = new Date(Date.now() + 3_600_000);
		const scheduled = accepted(await door.send(message(tag), { sendAt: at }));
		expect(scheduled.status).toBe("scheduled");
		expect(await door.status(scheduled.ref)).toMatchObject({ status: "scheduled", sendAt: at.toISOString() });

		const canceled = await door.cancel(scheduled.ref);
		expect(canceled).toMatchObject({ ref: scheduled.ref, status: "canceled" });
		expect(canceled.events.map((e) => e.type)).toEqual(["scheduled", "canceled"]);
		await consume([scheduled.ref], {}, at.getTime() + 1000);
		expect(await recorded(tag)).toHaveLength(0);
		expect(await rejection(door.cancel(scheduled.ref))).toMatchObject({ code: "message_not_cancelable", status: 409 });
	});

	it("batch with options.async accepts each message, in order, and a bad one is its own problem", async () => {
		const tag = crypto.randomUUID();
		const { results } = await door.batch([message(`${tag} a`), message(`${tag} b`, { to: "nobody" })], {
			async: true,
		});
		expect(results.map((r) => r.status)).toEqual(["queued", 400]);
		const first = accepted(results[0]);
		await consume([first.ref]);
		expect(await recorded(`${tag} a`)).toHaveLength(1);
		expect((await door.status(first.ref)).status).toBe("sent");
	});

	it("refuses a sendAt on the message that differs from options.sendAt, naming where", async () => {
		const tag = crypto.randomUUID();
		const later = new Date(Date.now() + 7_200_000).toISOString();
		const problem = await rejection(
			door.batch([message(tag), message(tag, { sendAt: later })], { sendAt: new Date(Date.now() + 3_600_000) }),
		);
		expect(problem).toMatchObject({ code: "validation_failed", status: 400 });
		expect(problem.errors).toEqual([{ path: "messages[1].sendAt", message: "differs from options.sendAt" }]);
		expect(await rejection(door.send(message(tag), { sendAt: "next tuesday" }))).toMatchObject({
			code: "validation_failed",
			errors: [expect.objectContaining({ path: "sendAt" })],
		});
	});

	it("replays an async send's idempotencyKey: the same ref, one record", async () => {
		const tag = crypto.randomUUID();
		const first = accepted(await door.send(message(tag), { async: true, idempotencyKey: `k-${tag}` }));
		const again = await door.send(message(tag), { async: true, idempotencyKey: `k-${tag}` });
		expect(again).toEqual(first);
	});
});

describe("records over the binding", () => {
	it("a sync send resolves with its ref, and status(ref) says sent with the relay's id", async () => {
		const tag = crypto.randomUUID();
		const sent = (await door.send(message(tag))) as SendResult;
		expect(sent.ref).toMatch(/^msg_[a-z2-7]{26}$/);
		const [delivered] = await recorded(tag);
		expect(delivered?.queueId).toBe(sent.id);
		expect(await door.status(sent.ref as string)).toMatchObject({ status: "sent", relayId: sent.id });
	});

	it("a send's tags are kept on its record, and status(ref) shows them", async () => {
		const tags = [{ name: "channel", value: "rpc" }];
		const sent = (await door.send(message("tags", { tags }))) as SendResult;
		expect((await door.status(sent.ref ?? "")).tags).toEqual(tags);
	});

	it("status of an unknown ref rejects message_not_found; a ref that is not one, validation_failed", async () => {
		expect(await rejection(door.status("msg_aaaaaaaaaaaaaaaaaaaaaaaaaa"))).toMatchObject({
			code: "message_not_found",
			status: 404,
		});
		expect(await rejection(door.status(""))).toMatchObject({
			code: "validation_failed",
			errors: [{ path: "ref", message: "must be a non-empty string" }],
		});
	});

	it("one binding caller cannot read or cancel another's records, nor an HTTP caller's, nor they its", async () => {
		const tag = crypto.randomUUID();
		const shops = accepted(await named("shop").send(message(tag), { async: true }));
		expect((await named("shop").status(shops.ref)).status).toBe("queued");
		for (const other of [named("blog"), door]) {
			expect(await rejection(other.status(shops.ref))).toMatchObject({ code: "message_not_found" });
			expect(await rejection(other.cancel(shops.ref))).toMatchObject({ code: "message_not_found" });
		}
		expect((await call(`/v1/messages/${shops.ref}`, { headers: auth })).status).toBe(404);

		const { body: https } = await sendAsync(`${tag}-http`);
		expect(await rejection(named("shop").status(https.ref))).toMatchObject({ code: "message_not_found" });
		expect((await named("shop").status(shops.ref)).status).toBe("queued");
	});
});
