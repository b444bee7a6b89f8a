/**
 * POST /emails/batch through the resend SDK: strict (the SDK's default)
 * refuses the whole batch for one invalid email and sends nothing;
 * permissive sends the valid ones and lists the others; attachments go in a
 * batch too (Resend refuses them; we do not).
 */
import { describe, expect, it } from "vitest";
import { parse, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

const email = (to: string, extra: Record<string, unknown> = {}) => ({
	from: "Acme <onboarding@example.com>",
	to,
	subject: `to ${to}`,
	text: "hi",
	...extra,
});

describe("POST /emails/batch through the resend SDK", () => {
	it("strict: one invalid email refuses the batch, naming it, and nothing reaches the relay", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		const answer = await resend.batch.send([email("a@example.com"), email("not an address")]);
		expect(answer.data).toBeNull();
		expect(answer.error).toMatchObject({ name: "validation_error", statusCode: 400 });
		expect(answer.error?.message).toMatch(/emails\[1\]\.to/);
		const absent = await resend.batch.send([email("a@example.com"), { to: "b@example.com", text: "x" } as never]);
		expect(absent.error).toMatchObject({
			name: "missing_required_field",
			message: "emails[1]: from: is required; subject: is required",
		});
		expect(await relay.messages()).toEqual([]);
		await relay.stop();
	});

	it("permissive: the valid ones go with their ids in order, the others are errors with their index", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		const answer = await resend.batch.send(
			[email("a@example.com"), email("not an address"), email("c@example.com"), { to: "d@example.com" } as never],
			{ batchValidation: "permissive" },
		);
		expect(answer.error).toBeNull();
		expect(answer.data?.data).toHaveLength(2);
		expect(answer.data?.errors).toEqual([
			{ index: 1, message: expect.stringMatching(/^to: /) },
			{ index: 3, message: "from: is required; subject: is required" },
		]);
		const [first, second] = answer.data?.data ?? [];
		expect((await resend.emails.get(first.id)).data?.to).toEqual(["a@example.com"]);
		expect((await resend.emails.get(second.id)).data?.to).toEqual(["c@example.com"]);
		expect((await relay.messages()).map((m) => m.rcptTo)).toEqual([["a@example.com"], ["c@example.com"]]);
		await relay.stop();
	});

	it("sends attachments in a batch", async () => {
		const relay = await startRelay({ security: "starttls" });
		const answer = await resendClient(relayAt(relay.port)).batch.send([
			email("a@example.com", { attachments: [{ filename: "a.txt", content: btoa("first") }] }),
			email("b@example.com", { attachments: [{ filename: "b.txt", content: btoa("second") }] }),
		] as never);
		expect(answer.error).toBeNull();
		const mails = await Promise.all((await relay.messages()).map(parse));
		expect(mails.map((m) => m.attachments.map((a) => a.filename))).toEqual([["a.txt"], ["b.txt"]]);
		await relay.stop();
	});

	it("refuses a body that is not a list of 1 to 100, and an x-batch-validation it does not know", async () => {
		const resend = resendClient();
		expect((await resend.batch.send([])).error).toMatchObject({ name: "validation_error", statusCode: 400 });
		const odd = await resend.batch.send([email("a@example.com")], {
			headers: { "x-batch-validation": "lenient" },
		} as never);
		expect(odd.error).toMatchObject({
			name: "validation_error",
			message: "x-batch-validation must be strict or permissive",
		});
	});
});
