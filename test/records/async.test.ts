/**
 * Async sends end to end through the real local bindings (D1, R2, the
 * queue's producer) and the suite's relays: accepted with 202, delivered by
 * the consumer, and looked up by ref; every sync send has a record too,
 * failed or unknown when the relay refused it or dropped after the dot.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, call, message, post, relayAt } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { ASYNC, consume, lookUp, recordOf, sendAsync, spooled, sweepOf } from "./support";

let relay: RelayHandle;
let at: ReturnType<typeof relayAt>;

beforeAll(async () => {
	relay = await startRelay({ security: "starttls", rejectRecipient: "^refused@" });
	at = relayAt(relay.port);
});
afterAll(() => relay.stop());

const atRelay = async (subject: string) => (await relay.messages()).filter((m) => m.data.includes(subject));

/** The spool, whose `n`-th write (from 1) fails before it takes effect. */
function spoolFailingWrite(n: number): R2Bucket {
	let writes = 0;
	return new Proxy(env.SPOOL, {
		get: (target, name) =>
			name === "put"
				? (...args: Parameters<R2Bucket["put"]>) => {
						if (++writes === n) throw new Error("injected: R2 put failed");
						return target.put(...args);
					}
				: Reflect.get(target, name).bind(target),
	});
}

/** The ref a failed sync send's Location names (its problem body carries none). */
function refOf(response: Response): string {
	const match = /^\/v1\/messages\/(msg_[a-z2-7]+)$/.exec(response.headers.get("Location") ?? "");
	if (!match?.[1]) throw new Error(`no Location with a ref: ${response.headers.get("Location")}`);
	return match[1];
}

describe("async send", () => {
	it("answers 202 with the ref, then the consumer delivers it and the record says sent with the relay's id", async () => {
		const { response, body } = await sendAsync("async-one", at);
		expect(body.status).toBe("queued");
		expect(body.ref).toMatch(/^msg_[a-z2-7]{26}$/);
		expect(body.messageId).toMatch(/^<.+@example\.com>$/);
		expect(response.headers.get("Location")).toBe(`/v1/messages/${body.ref}`);
		expect(response.headers.get("Preference-Applied")).toBe("respond-async");
		expect(await atRelay("test async-one")).toHaveLength(0);
		expect((await recordOf(body.ref)).status).toBe("queued");
		expect(await spooled(body.ref)).toBe(true);

		const result = await consume([body.ref], at);
		expect(result.explicitAcks).toHaveLength(1);
		const delivered = await atRelay("test async-one");
		expect(delivered).toHaveLength(1);
		const record = await recordOf(body.ref);
		expect(record).toMatchObject({
			status: "sent",
			relayId: delivered[0]?.queueId,
			messageId: body.messageId,
			from: "support@example.com",
			to: ["ben@example.com"],
			subject: "test async-one",
			attempts: 1,
		});
		expect(record.sentAt).not.toBeNull();
		expect(record.events.map((e) => e.type)).toEqual(["queued", "sent"]);
		await sweepOf(body.ref);
		expect(await spooled(body.ref)).toBe(false);

		// A second delivery of the same job (queues deliver at least once) sends nothing again.
		await consume([body.ref], at);
		expect(await atRelay("test async-one")).toHaveLength(1);
	});

	it("a 550 ends it as failed with the relay's reply, not retried", async () => {
		const { body } = await sendAsync("async-550", at, { to: ["refused@example.com"] });
		await consume([body.ref], at);
		const record = await recordOf(body.ref);
		expect(record.status).toBe("failed");
		expect(record.lastError?.code).toBe("relay_rejected");
		expect(JSON.stringify(record.lastError)).toContain("550");
		expect(record.attempts).toBe(1);
		await sweepOf(body.ref);
		expect(await spooled(body.ref)).toBe(false);
		await consume([body.ref], at);
		expect((await recordOf(body.ref)).attempts).toBe(1);
	});

	it("a connection dropped after the final dot is unknown, never retried", async () => {
		const faults = await startFaultRelay({ security: "starttls", at: { message: { drop: true } } });
		try {
			const { body } = await sendAsync("async-drop", relayAt(faults.port));
			const result = await consume([body.ref], relayAt(faults.port));
			expect(result.explicitAcks).toHaveLength(1);
			const record = await recordOf(body.ref);
			expect(record.status).toBe("unknown");
			expect(record.lastError?.code).toBe("delivery_unknown");
			await consume([body.ref], relayAt(faults.port));
			const dataCommands = (await faults.record()).commands.filter((c) => c === "DATA");
			expect(dataCommands).toHaveLength(1);
		} finally {
			await faults.stop();
		}
	});

	it("cancel before delivery: 200 canceled, nothing reaches the relay, and a second cancel is 409", async () => {
		const { body } = await sendAsync("async-cancel", at);
		const canceled = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: auth });
		expect(canceled.status).toBe(200);
		expect(((await canceled.json()) as { status: string }).status).toBe("canceled");
		await sweepOf(body.ref);
		expect(await spooled(body.ref)).toBe(false);
		await consume([body.ref], at);
		expect(await atRelay("test async-cancel")).toHaveLength(0);
		expect((await recordOf(body.ref)).events.map((e) => e.type)).toEqual(["queued", "canceled"]);
		const again = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: auth });
		expect(again.status).toBe(409);
		expect(((await again.json()) as { code: string }).code).toBe("message_not_cancelable");
	});

	it("anything that would be 400 is refused synchronously and never queued", async () => {
		const response = await post("/v1/send", message("async-bad", { to: [] }), at, ASYNC);
		expect(response.status).toBe(400);
		expect(response.headers.get("Location")).toBeNull();
	});

	it("an Idempotency-Key replays the 202 (same ref), queuing nothing twice", async () => {
		const headers = { ...ASYNC, "Idempotency-Key": `async-idem-${Date.now()}` };
		const first = await post("/v1/send", message("async-idem"), at, headers);
		const second = await post("/v1/send", message("async-idem"), at, headers);
		expect(first.status).toBe(202);
		expect(second.status).toBe(202);
		expect(second.headers.get("Idempotent-Replayed")).toBe("true");
		const a = (await first.json()) as { ref: string };
		expect(((await second.json()) as { ref: string }).ref).toBe(a.ref);
		expect(second.headers.get("Location")).toBe(`/v1/messages/${a.ref}`);
	});

	it("an async batch that dies half way, retried with its Idempotency-Key, accepts the same messages once (finding 3)", async () => {
		const key = `async-batch-crash-${Date.now()}`;
		const messages = [0, 1, 2, 3].map((i) => message(`batch-crash-${key}-${i}`));
		// The spool fails the third write: the first attempt has queued two messages when it answers 500.
		const failing = { ...at, SPOOL: spoolFailingWrite(3) };
		const headers = { ...ASYNC, "Idempotency-Key": key };
		const first = await post("/v1/batch", { messages }, failing, headers);
		expect(first.status).toBe(500);
		const retry = await post("/v1/batch", { messages }, at, headers);
		expect(retry.status).toBe(202);
		const refs = ((await retry.json()) as { results: { ref: string }[] }).results.map((r) => r.ref);
		expect(new Set(refs).size).toBe(4);
		await consume(refs, at);
		for (let i = 0; i < 4; i++) expect(await atRelay(`test batch-crash-${key}-${i}`)).toHaveLength(1);
		// Each ref's record was accepted once (one `queued` event each), and there are no others: the first
		// attempt's two records are these, not two more that a sweep would deliver a second time.
		for (const ref of refs) expect((await recordOf(ref)).events.filter((e) => e.type === "queued")).toHaveLength(1);
		const listed = (await (await call("/v1/messages?limit=100", { headers: auth })).json()) as {
			messages: { ref: string; subject: string }[];
		};
		const ours = listed.messages.filter((m) => m.subject.includes(key)).map((m) => m.ref);
		expect(ours.sort()).toEqual([...refs].sort());
	});

	it("an async batch without a key whose spool fails for one message answers 202: that message's 500, the others accepted", async () => {
		const tag = `async-batch-part-${Date.now()}`;
		const messages = [0, 1, 2].map((i) => message(`${tag}-${i}`));
		const failing = { ...at, SPOOL: spoolFailingWrite(2) };
		const answer = await post("/v1/batch", { messages }, failing, ASYNC);
		// A 500 for the whole batch would have the client send the two accepted ones again.
		expect(answer.status).toBe(202);
		const results = ((await answer.json()) as { results: { ref?: string; code?: string; status?: number }[] }).results;
		expect(results.filter((r) => r.code === "internal_error" && r.status === 500)).toHaveLength(1);
		const refs = results.flatMap((r) => (r.ref ? [r.ref] : []));
		expect(refs).toHaveLength(2);
		for (const ref of refs) expect((await recordOf(ref)).status).toBe("queued");
	});
});

describe("records", () => {
	it("a sync send answers with its ref and Location, and its record says sent", async () => {
		const response = await post("/v1/send", message("sync-ref"), at);
		expect(response.status).toBe(200);
		const body = (await response.json()) as { id: string; ref: string };
		expect(response.headers.get("Location")).toBe(`/v1/messages/${body.ref}`);
		const record = await recordOf(body.ref);
		expect(record).toMatchObject({ status: "sent", relayId: body.id, attempts: 1 });
		expect(record.events.map((e) => e.type)).toEqual(["sent"]);
	});

	it("a refused sync send is recorded failed with the problem; a drop after the dot is unknown", async () => {
		const refusing = await startFaultRelay({ security: "starttls", at: { message: { reply: "550 5.7.1 No thanks" } } });
		const dropping = await startFaultRelay({ security: "starttls", at: { message: { drop: true } } });
		try {
			const refused = await post("/v1/send", message("rec-failed"), relayAt(refusing.port));
			expect(refused.status).toBe(502);
			expect(((await refused.json()) as { code: string }).code).toBe("relay_rejected");
			const failed = await recordOf(refOf(refused));
			expect(failed.status).toBe("failed");
			expect(failed.lastError?.code).toBe("relay_rejected");
			expect(JSON.stringify(failed.lastError)).toContain("550");

			const dropped = await post("/v1/send", message("rec-unknown"), relayAt(dropping.port));
			expect(((await dropped.json()) as { code: string }).code).toBe("delivery_unknown");
			const unknown = await recordOf(refOf(dropped));
			expect(unknown.status).toBe("unknown");
			expect(unknown.lastError?.code).toBe("delivery_unknown");
		} finally {
			await refusing.stop();
			await dropping.stop();
		}
	});

	it("callers see only their own records", async () => {
		const { body } = await sendAsync("isolated", at);
		const other = { Authorization: "Bearer edgesend-test-key-2" };
		const response = await lookUp(body.ref, other);
		expect(response.status).toBe(404);
		expect(((await response.json()) as { code: string }).code).toBe("message_not_found");
		const canceled = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: other });
		expect(canceled.status).toBe(404);
		const list = (await (await call("/v1/messages?limit=100", { headers: other })).json()) as {
			messages: { ref: string }[];
		};
		expect(list.messages.map((m) => m.ref)).not.toContain(body.ref);
		expect((await recordOf(body.ref)).status).toBe("queued");
	});

	it("lists the caller's records newest first, cursor-paged, filtered by status", async () => {
		const refs: string[] = [];
		for (const n of [1, 2, 3]) refs.push((await sendAsync(`list-${n}`, at)).body.ref);
		const first = (await (await call("/v1/messages?limit=2&status=queued", { headers: auth })).json()) as {
			messages: { ref: string; status: string }[];
			cursor: string | null;
		};
		expect(first.messages).toHaveLength(2);
		expect(first.messages.every((m) => m.status === "queued")).toBe(true);
		expect(first.cursor).not.toBeNull();
		const second = (await (
			await call(`/v1/messages?limit=2&status=queued&cursor=${encodeURIComponent(first.cursor ?? "")}`, {
				headers: auth,
			})
		).json()) as { messages: { ref: string }[] };
		const seen = [...first.messages, ...second.messages].map((m) => m.ref);
		expect(new Set(seen).size).toBe(seen.length);
		// The three just sent are the newest queued ones.
		expect(new Set(seen.slice(0, 3))).toEqual(new Set(refs));
		const bad = await call("/v1/messages?cursor=nonsense", { headers: auth });
		expect(bad.status).toBe(400);
	});
});
