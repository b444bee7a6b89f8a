/**
 * The MessageShard object alone: each transition one call, conditional on
 * what the record is now; a stale job cannot resend; an expired claim is
 * `unknown`; the sweep finds lost jobs only once they are late; events wait
 * for a record that is not final and go out after its own.
 */
import { describe, expect, it } from "vitest";
import { newRef, placeOf } from "../../src/store/ref";
import { LEASE_MS, SWEEP_AFTER_MS } from "../../src/store/timing";
import { acceptInput, shardFor, T0 } from "./support";

describe("refs", () => {
	it("name their day and shard, and a seed names the same ref", () => {
		const ref = newRef(T0);
		expect(ref).toMatch(/^msg_[a-z2-7]{26}$/);
		expect(placeOf(ref)?.day).toBe(Math.floor(T0 / 86_400_000));
		const seed = new Uint8Array(32).fill(7);
		expect(newRef(T0, seed)).toBe(newRef(T0 + 1000, seed));
		expect(newRef(T0, seed)).not.toBe(newRef(T0 + 86_400_000, seed));
		expect(placeOf("msg_nope")).toBeUndefined();
	});
});

describe("MessageShard", () => {
	it("accepts once, claims once, and a finished record announces itself in its outbox", async () => {
		const input = acceptInput();
		const shard = shardFor(input.ref);
		expect(await shard.accept(input, T0)).toEqual({
			kind: "accepted",
			status: "queued",
			created: true,
			queueNow: true,
			outbox: [],
		});
		expect(await shard.accept(input, T0)).toMatchObject({ created: false, status: "queued" });
		const claimed = await shard.claim(input.ref, T0 + 10);
		if (claimed.kind !== "claimed") throw new Error(claimed.kind);
		expect(claimed.to).toEqual(input.to);
		expect(await shard.claim(input.ref, T0 + 20)).toEqual({ kind: "busy", until: T0 + 10 + LEASE_MS });
		const done = await shard.finish(
			input.ref,
			claimed.token,
			{ kind: "final", status: "sent", relayId: "relay-1", route: "primary", detail: {} },
			T0 + 30,
		);
		expect(done).toEqual({ kind: "finished", outbox: [`evt_${input.ref}_sent`], relayIds: ["relay-1"] });
		expect(
			await shard.finish(input.ref, claimed.token, { kind: "final", status: "sent", detail: {} }, T0 + 40),
		).toEqual({
			kind: "lost",
		});
		const got = await shard.get(input.ref, input.owner);
		expect(got?.record).toMatchObject({ status: "sent", relayId: "relay-1", relayIds: ["relay-1"], route: "primary" });
		expect(got?.events.map((e) => e.type)).toEqual(["queued", "sent"]);
		expect(await shard.get(input.ref, "bearer:someone-else")).toBeUndefined();
		const [delivery] = await shard.deliveriesOf(input.ref);
		expect(delivery).toMatchObject({ type: "message.sent", status: "pending" });
	});

	it("gives a stale copy of a job only what is still to deliver after a partial 4xx", async () => {
		const input = acceptInput();
		const shard = shardFor(input.ref);
		await shard.accept(input, T0);
		const first = await shard.claim(input.ref, T0);
		if (first.kind !== "claimed") throw new Error(first.kind);
		await shard.finish(
			input.ref,
			first.token,
			{
				kind: "retry",
				nextAttemptAt: T0 + 30_000,
				lastError: { code: "relay_unavailable" },
				relayId: "relay-a",
				pendingTo: ["amy@example.com"],
				detail: {},
			},
			T0 + 1,
		);
		expect(await shard.claim(input.ref, T0 + 2)).toEqual({ kind: "wait", dueAt: T0 + 30_000 });
		const second = await shard.claim(input.ref, T0 + 30_000);
		if (second.kind !== "claimed") throw new Error(second.kind);
		expect(second.to).toEqual(["amy@example.com"]);
		expect(second.attempt).toBe(2);
		// Something reached the relay: not cancelable any more.
		expect(await shard.cancel(input.ref, input.owner, T0 + 30_001)).toMatchObject({ kind: "not_cancelable" });
	});

	it("makes a claim whose lease ran out unknown, at the next claim or at the sweep", async () => {
		const a = acceptInput();
		const shard = shardFor(a.ref);
		await shard.accept(a, T0);
		await shard.claim(a.ref, T0);
		expect(await shard.claim(a.ref, T0 + LEASE_MS)).toEqual({
			kind: "final",
			status: "unknown",
			outbox: [`evt_${a.ref}_unknown`],
		});
		const b = acceptInput({}, T0);
		const other = shardFor(b.ref);
		await other.accept(b, T0);
		await other.claim(b.ref, T0);
		const report = await other.sweep(T0 + LEASE_MS);
		expect(report.expired).toBe(1);
		expect((await other.get(b.ref))?.record.status).toBe("unknown");
	});

	it("queues a lost job again only once it is SWEEP_AFTER_MS late, and once per period", async () => {
		const input = acceptInput();
		const shard = shardFor(input.ref);
		await shard.accept(input, T0);
		const sends = async (at: number) =>
			(await shard.sweep(at)).jobs.filter((j) => j.job.kind === "send" && j.job.ref === input.ref);
		expect(await sends(T0 + SWEEP_AFTER_MS - 1)).toEqual([]);
		expect(await sends(T0 + SWEEP_AFTER_MS)).toEqual([{ job: { kind: "send", ref: input.ref }, delaySeconds: 0 }]);
		expect(await sends(T0 + SWEEP_AFTER_MS + 1000)).toEqual([]);
		expect(await sends(T0 + 2 * SWEEP_AFTER_MS)).toHaveLength(1);
	});

	it("queues a send scheduled past the queue's longest delay when it comes within it", async () => {
		const due = T0 + 20 * 3_600_000;
		const input = acceptInput({ dueAt: due, sendAt: due, deadlineAt: due + 86_400_000 });
		const shard = shardFor(input.ref);
		expect(await shard.accept(input, T0)).toMatchObject({ status: "scheduled", queueNow: false });
		const ours = (jobs: { job: { kind: string; ref?: string } }[]) =>
			jobs.filter((j) => j.job.kind === "send" && j.job.ref === input.ref);
		expect(ours((await shard.sweep(T0 + 7 * 3_600_000)).jobs)).toEqual([]);
		const near = await shard.sweep(T0 + 8 * 3_600_000);
		expect(ours(near.jobs)).toEqual([{ job: { kind: "send", ref: input.ref }, delaySeconds: 12 * 3600 }]);
	});

	it("keeps a provider event of a record not yet final, and sends it after the record's own event", async () => {
		const input = acceptInput();
		const shard = shardFor(input.ref);
		await shard.accept(input, T0);
		const event = {
			id: "ev-1",
			relayId: "relay-x",
			recipient: "ben@example.com",
			type: "delivered",
			at: T0 + 5,
			detail: null,
			moveTo: "delivered" as const,
			webhook: "message.delivered",
		};
		expect(await shard.linkEvents(input.ref, [event], [], T0 + 5)).toEqual([{ kind: "pending", outbox: [] }]);
		const claimed = await shard.claim(input.ref, T0 + 6);
		if (claimed.kind !== "claimed") throw new Error(claimed.kind);
		const done = await shard.finish(
			input.ref,
			claimed.token,
			{ kind: "final", status: "sent", relayId: "relay-x", detail: {} },
			T0 + 7,
		);
		expect(done).toMatchObject({ outbox: [`evt_${input.ref}_sent`, "ev-1"] });
		expect((await shard.get(input.ref))?.record.status).toBe("delivered");
		expect(await shard.linkEvents(input.ref, [event], [], T0 + 8)).toEqual([{ kind: "repeat", outbox: [] }]);
	});

	it("lists an owner's records newest first, by status and by tag", async () => {
		const day = T0 + 3 * 86_400_000;
		const refs: string[] = [];
		const seed = new Uint8Array(15);
		for (let i = 0; i < 3; i++) {
			seed[1] = i;
			const input = acceptInput(
				{ ref: newRef(day + i, seed), owner: "bearer:lister", tags: [{ name: "n", value: String(i) }] },
				day + i,
			);
			refs.push(input.ref);
			await shardFor(input.ref).accept(input, day + i);
		}
		const shard = shardFor(refs[0] as string);
		const all = await shard.list("bearer:lister", { limit: 10 });
		expect(all.map((r) => r.ref)).toEqual([...refs].reverse());
		expect(
			(await shard.list("bearer:lister", { limit: 10, tag: { name: "n", value: "1" } })).map((r) => r.ref),
		).toEqual([refs[1]]);
		const page = await shard.list("bearer:lister", {
			limit: 10,
			before: { createdAt: day + 2, ref: refs[2] as string },
		});
		expect(page.map((r) => r.ref)).toEqual([refs[1], refs[0]]);
	});

	it("names itself in the webhook jobs its sweep queues", async () => {
		const input = acceptInput();
		const shard = shardFor(input.ref);
		await shard.accept(input, T0);
		const claimed = await shard.claim(input.ref, T0);
		if (claimed.kind !== "claimed") throw new Error(claimed.kind);
		await shard.finish(input.ref, claimed.token, { kind: "final", status: "failed", detail: {} }, T0);
		const report = await shard.sweep(T0 + SWEEP_AFTER_MS);
		const place = placeOf(input.ref);
		expect(report.jobs).toContainEqual({
			job: { kind: "webhook", object: `m:${place?.day}:${place?.shard}`, id: `evt_${input.ref}_failed` },
			delaySeconds: 0,
		});
	});
});
