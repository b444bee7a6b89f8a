/**
 * Provider events that come before their record (issue 14), now held in the
 * relay index (store/relay-index.ts): the callback queues nothing. When the
 * record's relay id is put within the hold, the event is handed to the record
 * and goes out right after the record's own message.sent, both with the ref,
 * each once; when no record claims it, the index's sweep at the end of the
 * hold sends it with `ref: null`, and a record written later files it
 * without a second copy. An event of a record still waiting for a partial
 * retry waits on the record until it is final. Jobs are the ones the store
 * answered, run as the consumer runs them at a clock the test sets; a real
 * receiver checks each with `standardwebhooks`.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { parseCallback } from "../../src/events/engagelab-payload";
import { indexName } from "../../src/store/relay-index-name";
import { HOLD_MS, INDEX_RECHECK_MS, SWEEP_AFTER_MS } from "../../src/store/timing";
import { acceptInput } from "../store/support";
import {
	enqueue,
	indexRelay,
	type Posted,
	postCallback,
	type Received,
	relayId,
	runWebhookJobs,
	SECRET,
	sentRecord,
	settingsFor,
	shardOfRef,
	statusCallback,
	stored,
	withReceiver,
} from "./support";

const verified = (requests: Received[]) => requests.map((r) => new Webhook(SECRET).verify(r.body, r.headers) as Posted);

/** Posts a bounce for `id` with the test's settings: held (nothing queued); answers its event id and when it came. */
async function bounceFirst(id: string, to: string, settings: Parameters<typeof postCallback>[2]) {
	const body = statusCallback(id, "invalid_email", to);
	const before = Date.now();
	const response = await postCallback(body, {}, settings);
	const after = Date.now();
	expect(await response.json()).toEqual({ received: 1, new: 1, ignored: 0 });
	const parsed = await parseCallback(body, before);
	if (!parsed.ok) throw new Error(parsed.error);
	const eventId = parsed.events[0]?.id as string;
	expect(await env.RELAY_INDEX.getByName(indexName(id)).heldState(eventId)).toBe("held");
	return { eventId, before, after };
}

/** What the receiver got: the record's message.sent, then the held bounce, both with the ref, each once. */
function sentThenBounce(requests: Received[], ref: string, heldId: string): Posted[] {
	expect(requests.map((r) => r.headers["webhook-id"])).toEqual([`evt_${ref}_sent`, heldId]);
	const posted = verified(requests);
	expect(posted.map((p) => [p.type, p.data.ref])).toEqual([
		["message.sent", ref],
		["message.bounced", ref],
	]);
	return posted;
}

describe("provider events held until their record is known", () => {
	it("a bounce before its record goes out after message.sent once the relay id is put, both with the ref, each once", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("held");
			const to = `held-${Date.now()}@example.com`;
			const held = await bounceFirst(id, to, settings);
			expect(tap.take()).toEqual([]);

			const { ref, jobs } = await sentRecord(id);
			await enqueue(tap, jobs);
			await runWebhookJobs(tap, settings);
			const record = await stored(ref);
			expect(record.record.status).toBe("bounced");
			expect(record.events.map((e) => e.type).filter((t) => t !== "webhook.attempt")).toEqual(["sent", "bounced"]);
			const posted = sentThenBounce(await receiver.requests(), ref, held.eventId);
			expect(posted[1]?.data).toEqual({
				ref,
				messageId: record.record.messageId,
				relayId: id,
				to,
				detail: "invalid_email by test",
				tags: [{ name: "kind", value: "receipt" }],
				route: "primary",
			});
			// The hold's end finds it handed over: nothing more goes out.
			expect((await env.RELAY_INDEX.getByName(indexName(id)).sweep(held.after + HOLD_MS)).jobs).toEqual([]);
		}));

	it("an event no record claims goes out with ref null at the end of its hold; a record written later sends no second copy", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("unclaimed");
			const held = await bounceFirst(id, "ben@example.com", settings);
			const index = env.RELAY_INDEX.getByName(indexName(id));
			// A moment before the hold is over: nothing.
			expect((await index.sweep(held.before + HOLD_MS - 1)).jobs).toEqual([]);

			const { jobs } = await index.sweep(held.after + HOLD_MS);
			expect(jobs).toEqual([{ job: { kind: "webhook", object: indexName(id), id: held.eventId }, delaySeconds: 0 }]);
			await enqueue(tap, jobs);
			await runWebhookJobs(tap, settings, held.after + HOLD_MS);
			const [first] = verified(await receiver.requests());
			expect(first).toMatchObject({
				type: "message.bounced",
				data: { ref: null, messageId: null, relayId: id, to: "ben@example.com", tags: [], route: null },
			});
			expect(await index.heldState(held.eventId)).toBe("published");
			// The index's sweep again publishes nothing more.
			expect((await index.sweep(held.after + HOLD_MS + 1000)).jobs).toEqual([]);

			// A record with that relay id, written after the hold: its message.sent goes out, the bounce not again.
			const record = await sentRecord(id);
			await enqueue(tap, record.jobs);
			await runWebhookJobs(tap, settings);
			expect((await receiver.requests()).map((r) => r.headers["webhook-id"])).toEqual([
				held.eventId,
				`evt_${record.ref}_sent`,
			]);
			expect((await stored(record.ref)).record.status).toBe("bounced");
		}));

	it("a record whose relay id the index missed (its Worker died before the put) claims its held event at the sweep's put again, before the hold ends", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("missed");
			// Sent, its message.sent in its outbox, but neither its relay id put nor its webhook job queued.
			const { ref, shard } = await sentRecord(id, { indexed: false });
			const held = await bounceFirst(id, "ben@example.com", settings);
			const index = env.RELAY_INDEX.getByName(indexName(id));
			// When the shard puts unconfirmed relay ids again, the hold still runs: the index publishes nothing.
			const recheck = held.after + INDEX_RECHECK_MS;
			expect((await index.sweep(recheck)).jobs).toEqual([]);
			expect((await shard.sweep(recheck)).indexed).toBe(1);
			expect(await index.heldState(held.eventId)).toBe("attached");
			expect((await index.sweep(held.after + HOLD_MS)).jobs).toEqual([]);
			// The lost jobs come from the shard's sweep: message.sent, then the bounce behind it, both with the ref.
			await enqueue(tap, (await shard.sweep(recheck + SWEEP_AFTER_MS)).jobs);
			await runWebhookJobs(tap, settings, recheck + SWEEP_AFTER_MS);
			sentThenBounce(await receiver.requests(), ref, held.eventId);
		}));

	it("with webhooks off when it came, a held event's hold ends without a webhook", async () => {
		const id = relayId("held-off");
		const held = await bounceFirst(id, "ben@example.com", {});
		const index = env.RELAY_INDEX.getByName(indexName(id));
		expect((await index.sweep(held.after + HOLD_MS)).jobs).toEqual([]);
		expect(await index.heldState(held.eventId)).toBe("published");
	});

	it("an event for a record whose message.sent is not out yet goes out behind it, in the record's stream", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("not-announced");
			// Written, its own webhook job not yet run (or lost).
			const { ref, shard, jobs } = await sentRecord(id);
			const body = statusCallback(id, "invalid_email", "ben@example.com");
			expect((await postCallback(body, {}, settings)).status).toBe(200);
			expect((await shard.deliveriesOf(ref)).map((d) => d.type)).toEqual(["message.sent", "message.bounced"]);
			// The bounce's job runs first: it waits behind message.sent.
			await enqueue(tap, jobs);
			await runWebhookJobs(tap, settings);
			expect(verified(await receiver.requests()).map((p) => [p.type, p.data.ref])).toEqual([
				["message.sent", ref],
				["message.bounced", ref],
			]);
		}));

	it("an event for a record still waiting for a partial retry waits until the record is final, then follows message.sent", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("partial-retry");
			const now = Date.now();
			const input = acceptInput({}, now);
			const { shard } = shardOfRef(input.ref);
			await shard.accept(input, now);
			// The first attempt reached the relay for ben; amy got a 4xx and waits for the retry.
			const first = await shard.claim(input.ref, now);
			if (first.kind !== "claimed") throw new Error(first.kind);
			await shard.finish(
				input.ref,
				first.token,
				{
					kind: "retry",
					nextAttemptAt: now + 30_000,
					lastError: { code: "relay_unavailable" },
					relayId: id,
					pendingTo: ["amy@example.com"],
					detail: {},
				},
				now,
			);
			expect(await indexRelay(input.ref, id, now)).toEqual([]);

			const held = statusCallback(id, "invalid_email", "ben@example.com");
			expect(await (await postCallback(held, {}, settings)).json()).toEqual({ received: 1, new: 1, ignored: 0 });
			expect(tap.take()).toEqual([]);
			expect(await shard.deliveriesOf(input.ref)).toEqual([]);
			expect((await stored(input.ref)).record.status).toBe("queued");

			// The retry delivers the rest: final, and its own message.sent goes out first, then the bounce.
			const second = await shard.claim(input.ref, now + 30_000);
			if (second.kind !== "claimed") throw new Error(second.kind);
			const done = await shard.finish(
				input.ref,
				second.token,
				{ kind: "final", status: "sent", relayId: `${id}-retry`, detail: {} },
				now + 30_001,
			);
			if (done.kind !== "finished") throw new Error(done.kind);
			const { name } = shardOfRef(input.ref);
			await enqueue(
				tap,
				done.outbox.map((outboxId) => ({ job: { kind: "webhook", object: name, id: outboxId }, delaySeconds: 0 })),
			);
			await runWebhookJobs(tap, settings, now + 30_001);
			const parsed = await parseCallback(held, now);
			if (!parsed.ok) throw new Error(parsed.error);
			sentThenBounce(await receiver.requests(), input.ref, parsed.events[0]?.id as string);
			expect((await stored(input.ref)).record.status).toBe("bounced");
		}));
});
