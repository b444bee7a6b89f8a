/**
 * The store's guarantees that need no crash harness, each a finding of issue
 * 20 that failed on the D1 store: a Worker killed after its claim leaves a
 * record that ends `unknown` (not `sending` forever) with its webhook; a job
 * the queue never got is found by the sweep and the message delivered (not
 * `failed`); a relay that took the message answers 200 whatever the
 * bookkeeping after it does; a suppression added while a message waits is
 * honoured at delivery.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOf, shardName } from "../../src/store/ref";
import { suppressionName } from "../../src/store/relay-index-name";
import { LEASE_MS, SWEEP_AFTER_MS } from "../../src/store/timing";
import { message, post, relayAt } from "../api/support";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { consumeJobs, recordOf, sendAsync, sweepOf } from "./support";

let relay: RelayHandle;
let at: ReturnType<typeof relayAt>;
beforeAll(async () => {
	relay = await startRelay({ security: "starttls" });
	at = relayAt(relay.port);
});
afterAll(() => relay.stop());

const atRelay = async (subject: string) => (await relay.messages()).filter((m) => m.data.includes(subject));

const shardOf = (ref: string) => {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	return env.MESSAGES.getByName(shardName(place));
};

/** A queue stand-in whose every send fails, as a queue outage would. */
const brokenQueue = new Proxy(env.SEND_QUEUE, {
	get: (target, name) =>
		name === "send" || name === "sendBatch"
			? () => Promise.reject(new Error("injected: the queue is down"))
			: Reflect.get(target, name),
});

describe("exactly once, by construction", () => {
	it("a delivery whose Worker died after its claim ends unknown at the lease's end, with message.unknown (finding 1)", async () => {
		// With webhooks on (nothing is posted here: the outbox is what is checked).
		const publishing = {
			...at,
			EVENTS_WEBHOOK_URL: "https://hooks.example/edgesend",
			EVENTS_WEBHOOK_SECRET: `whsec_${btoa("edgesend-exactly-once-secret-32b")}`,
		};
		const { body } = await sendAsync("claimed-then-killed", publishing);
		const shard = shardOf(body.ref);
		// The consumer's claim, and then nothing: its Worker was killed.
		const now = Date.now();
		expect((await shard.claim(body.ref, now)).kind).toBe("claimed");
		expect((await sweepOf(body.ref, now + LEASE_MS - 1)).expired).toBe(0);
		expect((await recordOf(body.ref)).status).toBe("sending");
		const swept = await sweepOf(body.ref, now + LEASE_MS);
		expect(swept.expired).toBe(1);
		const record = await recordOf(body.ref);
		expect(record.status).toBe("unknown");
		expect(record.lastError?.code).toBe("delivery_unknown");
		expect((await shard.deliveriesOf(body.ref)).map((d) => [d.type, d.status])).toEqual([
			["message.unknown", "pending"],
		]);
		// A redelivered job finds it final and sends nothing.
		await consumeJobs([{ kind: "send", ref: body.ref }], at, now + LEASE_MS + 1);
		expect(await atRelay("test claimed-then-killed")).toHaveLength(0);
	});

	it("a message whose job never reached the queue is queued by the sweep and delivered once (findings 5, 18)", async () => {
		const response = await post(
			"/v1/send",
			message("queue-down"),
			{ ...at, SEND_QUEUE: brokenQueue },
			{
				Prefer: "respond-async",
			},
		);
		expect(response.status).toBe(202);
		const { ref } = (await response.json()) as { ref: string };
		expect((await recordOf(ref)).status).toBe("queued");
		const now = Date.now();
		expect((await sweepOf(ref, now + SWEEP_AFTER_MS - 1000)).jobs).toEqual([]);
		const { jobs } = await sweepOf(ref, now + SWEEP_AFTER_MS + 1000);
		expect(jobs).toEqual([{ job: { kind: "send", ref }, delaySeconds: 0 }]);
		await consumeJobs(
			jobs.map((j) => j.job),
			at,
			now + SWEEP_AFTER_MS + 1000,
		);
		expect((await recordOf(ref)).status).toBe("sent");
		expect(await atRelay("test queue-down")).toHaveLength(1);
	});

	it("a sync send the relay accepted answers 200 with its relay id even when writing its record fails (finding 9)", async () => {
		const failingStore = new Proxy(env.MESSAGES, {
			get: (target, name) =>
				name === "get"
					? () => {
							throw new Error("injected: the store is down");
						}
					: Reflect.get(target, name).bind(target),
		});
		const response = await post("/v1/send", message("bookkeeping-down"), { ...at, MESSAGES: failingStore });
		expect(response.status).toBe(200);
		const body = (await response.json()) as { id: string; ref?: string };
		expect(body.id).toBeTruthy();
		expect(body.ref).toBeUndefined();
		expect(await atRelay("test bookkeeping-down")).toHaveLength(1);
	});

	it("an address suppressed while its message waited is not sent to at delivery (finding 15)", async () => {
		const { body } = await sendAsync("suppressed-later", at, {
			to: ["stays@example.com", "bounced-meanwhile@example.com"],
		});
		await env.SUPPRESSIONS.getByName(suppressionName("api_user", "bounced-meanwhile@example.com")).add(
			{ email: "bounced-meanwhile@example.com", reason: "hard_bounce" },
			Date.now(),
		);
		await consumeJobs([{ kind: "send", ref: body.ref }], at);
		const [delivered, ...more] = await atRelay("test suppressed-later");
		expect(more).toEqual([]);
		expect(delivered?.rcptTo).toEqual(["stays@example.com"]);
		expect((await recordOf(body.ref)).status).toBe("sent");
	});
});
