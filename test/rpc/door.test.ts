/**
 * The RPC door through a real binding (the Worker's own EdgeSend entrypoint,
 * `exports.EdgeSend`, a loopback service binding): values and errors cross the
 * RPC boundary as they would from another Worker. Mail goes to the suite's
 * shared STARTTLS relay and is read back with postal-mime.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EdgeSend } from "../../src/client";
import { toProblem } from "../../src/client";
import { parse, serveFiles } from "../api/support";
import { sharedRelays } from "../helpers/relay";

const door = (exports as unknown as { EdgeSend: Service<EdgeSend> }).EdgeSend;

const recorded = async (tag: string) => (await sharedRelays.starttls().messages()).filter((m) => m.data.includes(tag));

/** The problem a call rejected with, as a caller on the other side sees it. */
async function rejection(call: Promise<unknown>) {
	const error = await call.then(
		() => {
			throw new Error("expected the call to reject");
		},
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(Error);
	const problem = toProblem(error);
	if (!problem) throw new Error(`not an EdgeSend problem: ${String(error)}`);
	expect((error as Error).message.startsWith(`${problem.code}: `)).toBe(true);
	return { error: error as Error, problem };
}

describe("EdgeSend over a binding", () => {
	it("sends a message with an ArrayBuffer attachment that arrives byte-exact", async () => {
		const tag = crypto.randomUUID();
		const bytes = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
		const sent = await door.send({
			from: { email: "shop@example.com", name: "Shop" },
			to: "ben@example.com",
			subject: `rpc ${tag}`,
			text: `hello ${tag}`,
			attachments: [
				{ filename: "bytes.bin", type: "application/octet-stream", content: bytes.buffer },
				{ filename: "view.bin", content: bytes.subarray(10, 20) },
			],
		});
		expect(sent).toMatchObject({ route: "primary", accepted: ["ben@example.com"], rejected: [], warnings: [] });
		if ("dryRun" in sent || "status" in sent) throw new Error("neither a dry run nor accepted for later");
		const [message] = await recorded(tag);
		expect(message.queueId).toBe(sent.id);
		const email = await parse(message);
		expect(email.messageId).toBe(sent.messageId);
		expect(new Uint8Array(email.attachments[0].content as ArrayBuffer)).toEqual(bytes);
		expect(new Uint8Array(email.attachments[1].content as ArrayBuffer)).toEqual(bytes.subarray(10, 20));
	});

	it("rejects with EdgeSendError whose code, status and errors[] toProblem reads back", async () => {
		const { error, problem } = await rejection(
			door.send({ from: "shop@example.com", to: "not-an-address", subject: "x", text: "x" }),
		);
		expect(error.name).toBe("EdgeSendError");
		expect(problem).toMatchObject({ code: "validation_failed", status: 400 });
		expect(problem.errors?.map((e) => e.path)).toEqual(["to"]);
		expect(toProblem(new Error("something else"))).toBeUndefined();
	});

	it("replays an idempotencyKey, and refuses it for another message", async () => {
		const tag = crypto.randomUUID();
		const message = { from: "shop@example.com", to: "ben@example.com", subject: `idem ${tag}`, text: "once" };
		const first = await door.send(message, { idempotencyKey: `k-${tag}` });
		const again = await door.send(message, { idempotencyKey: `k-${tag}` });
		expect(again).toEqual(first);
		expect(await recorded(tag)).toHaveLength(1);
		const { problem } = await rejection(door.send({ ...message, text: "twice" }, { idempotencyKey: `k-${tag}` }));
		expect(problem).toMatchObject({ code: "idempotency_key_reused", status: 422 });
	});

	it("scopes idempotency keys by the binding's props.caller", async () => {
		const tag = crypto.randomUUID();
		const named = (caller: string) =>
			(exports as unknown as { EdgeSend: (o: { props: unknown }) => Service<EdgeSend> }).EdgeSend({
				props: { caller },
			});
		const message = (text: string) => ({ from: "shop@example.com", to: "ben@example.com", subject: `p ${tag}`, text });
		const shop = await named("shop").send(message("one"), { idempotencyKey: `k-${tag}` });
		const blog = await named("blog").send(message("two"), { idempotencyKey: `k-${tag}` });
		expect(blog.messageId).not.toBe(shop.messageId);
		expect(await recorded(tag)).toHaveLength(2);
		const { problem } = await rejection(named("shop").send(message("three"), { idempotencyKey: `k-${tag}` }));
		expect(problem.code).toBe("idempotency_key_reused");
	});

	it("rejects attachment_fetch_failed for a url that is not there", async () => {
		const files = await serveFiles({});
		const { problem } = await rejection(
			door.send({
				from: "shop@example.com",
				to: "ben@example.com",
				subject: "missing",
				text: "x",
				attachments: [{ filename: "gone.pdf", url: files.url("/gone.pdf") }],
			}),
		);
		expect(problem).toMatchObject({ code: "attachment_fetch_failed", status: 422 });
		expect(problem.errors?.[0].path).toBe("attachments[0].url");
		await files.stop();
	});

	it("makes a dry run, batches, and reports limits", async () => {
		const tag = crypto.randomUUID();
		const dry = await door.send(
			{ from: "shop@example.com", to: "ben@example.com", subject: `dry ${tag}`, text: "x" },
			{ dryRun: true, labelId: 9 },
		);
		expect(dry).toMatchObject({ dryRun: true, authUser: "api_user#9", envelope: { to: ["ben@example.com"] } });
		expect(await recorded(tag)).toHaveLength(0);

		const { results } = await door.batch([
			{ from: "shop@example.com", to: "ben@example.com", subject: `b1 ${tag}`, text: "x" },
			{ from: "shop@example.com", to: "nobody", subject: `b2 ${tag}`, text: "x" },
		]);
		expect(results.map((r) => r.status)).toEqual([200, 400]);
		expect(await recorded(tag)).toHaveLength(1);

		const limits = await door.limits();
		expect(limits.used).toBeGreaterThanOrEqual(2);
		expect(limits.remaining).toBe(limits.limit - limits.used);

		const { problem } = await rejection(
			door.send({ from: "a@example.com", to: "b@example.com", subject: "s", text: "t", labelId: 1 }, { labelId: 2 }),
		);
		expect(problem.errors).toEqual([{ path: "labelId", message: "differs from options.labelId" }]);
	});
});
