/**
 * POST /emails and GET /emails/{id} driven by the official `resend` SDK,
 * against a relay the suite starts: what arrives is what was asked, the id is
 * our record, and each class of error reaches the caller as the SDK surfaces
 * it, `{ data: null, error: { name, statusCode, message } }`.
 */
import { describe, expect, it } from "vitest";
import { call, parse, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe("POST /emails through the resend SDK", () => {
	it("delivers html, text, an inline image, cc, reply_to and headers, and GET shows the email with its tags", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		const { data, error } = await resend.emails.send({
			from: "Acme <onboarding@example.com>",
			to: ["ben@example.com"],
			cc: "carl@example.com",
			replyTo: "help@example.com",
			subject: "Welcome",
			html: '<p>Hi</p><img src="cid:logo">',
			text: "Hi",
			headers: { "X-Campaign": "nov" },
			attachments: [{ filename: "logo.png", content: png, contentId: "logo", contentType: "image/png" }],
			tags: [{ name: "category", value: "welcome" }],
		});
		expect(error).toBeNull();
		expect(data?.id).toMatch(/^msg_[a-z2-7]{26}$/);

		const [recorded] = await relay.messages();
		expect(recorded.rcptTo).toEqual(["ben@example.com", "carl@example.com"]);
		const mail = await parse(recorded);
		expect(mail.from).toEqual({ address: "onboarding@example.com", name: "Acme" });
		expect(mail.replyTo).toEqual([{ address: "help@example.com", name: "" }]);
		expect(mail.html?.trimEnd()).toBe('<p>Hi</p><img src="cid:logo">');
		expect(mail.headers.find((h) => h.key === "x-campaign")?.value).toBe("nov");
		const [logo] = mail.attachments;
		expect(logo).toMatchObject({ filename: "logo.png", disposition: "inline", contentId: "<logo>" });
		expect(new Uint8Array(logo.content as ArrayBuffer)).toEqual(png);

		const got = await resend.emails.get(data?.id ?? "");
		expect(got.error).toBeNull();
		expect(got.data).toMatchObject({
			object: "email",
			id: data?.id,
			from: "Acme <onboarding@example.com>",
			to: ["ben@example.com"],
			cc: ["carl@example.com"],
			bcc: null,
			reply_to: ["help@example.com"],
			subject: "Welcome",
			last_event: "sent",
			scheduled_at: null,
			html: null,
			tags: [{ name: "category", value: "welcome" }],
		});
		expect(got.headers?.["ratelimit-limit"]).toBe("30000");
		await relay.stop();
	});

	it("names the field Resend's way when a field is wrong, or required and absent", async () => {
		const resend = resendClient();
		const wrong = await resend.emails.send({
			from: "Acme <onboarding@example.com>",
			to: "ben@example.com",
			replyTo: ["not an address"],
			subject: "x",
			text: "x",
		});
		expect(wrong.data).toBeNull();
		expect(wrong.error).toMatchObject({ name: "validation_error", statusCode: 400 });
		expect(wrong.error?.message).toMatch(/^reply_to\[0\]: /);

		const absent = await resend.emails.send({ from: "a@example.com", to: "b@example.com", text: "x" } as never);
		expect(absent.error).toEqual({ name: "missing_required_field", statusCode: 422, message: "subject: is required" });

		const template = await resend.emails.send({
			from: "a@example.com",
			to: "b@example.com",
			subject: "x",
			template: { id: "t" },
		});
		expect(template.error).toMatchObject({
			name: "validation_error",
			message: expect.stringContaining("no templates"),
		});
	});

	it("answers a wrong key with invalid_api_key, no key with missing_api_key, and an unknown id with not_found", async () => {
		const wrongKey = await resendClient({}, "re_not_one_of_our_keys").emails.send({
			from: "a@example.com",
			to: "b@example.com",
			subject: "x",
			text: "x",
		});
		expect(wrongKey.error).toMatchObject({ name: "invalid_api_key", statusCode: 403 });
		const noKey = await call("/emails", {
			method: "POST",
			body: "{}",
			headers: { "Content-Type": "application/json" },
		});
		expect(noKey.status).toBe(401);
		expect(await noKey.json()).toMatchObject({ name: "missing_api_key", statusCode: 401 });
		const unknown = await resendClient().emails.get("msg_aaaaaaaaaaaaaaaaaaaaaaaaaa");
		expect(unknown.error).toMatchObject({ name: "not_found", statusCode: 404 });
		const lacking = await resendClient().domains.list();
		expect(lacking.error).toMatchObject({ name: "not_found", statusCode: 404 });
	});

	it("gives the relay's refusal as an error, with its reply, and keeps the record", async () => {
		const relay = await startRelay({ security: "starttls", rejectRecipient: "^nobody@" });
		const { data, error } = await resendClient(relayAt(relay.port)).emails.send({
			from: "a@example.com",
			to: "nobody@example.com",
			subject: "x",
			text: "x",
		});
		expect(data).toBeNull();
		expect(error).toMatchObject({ name: "application_error", statusCode: 502 });
		expect(error?.message).toMatch(/the relay said: 550/);
		await relay.stop();
	});

	it("answers over the limit with rate_limit_exceeded, retry-after and ratelimit-* as resend-go reads them", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port, { RATE_LIMIT_PER_MINUTE: "1" }));
		const email = { from: "a@example.com", to: "b@example.com", subject: "x", text: "x" };
		// The api_user's window may hold another test's send: send until one is refused (at most twice).
		let answer = await resend.emails.send(email);
		if (!answer.error) answer = await resend.emails.send(email);
		expect(answer.error).toMatchObject({ name: "rate_limit_exceeded", statusCode: 429 });
		expect(answer.headers).toMatchObject({ "ratelimit-limit": "1", "ratelimit-remaining": "0" });
		expect(Number(answer.headers?.["retry-after"])).toBeGreaterThan(0);
		expect(Number(answer.headers?.["ratelimit-reset"])).toBeGreaterThan(0);
		await relay.stop();
	});

	it("takes only API keys: a signed webhook call is sent to /v1/*", async () => {
		const secret = `whsec_${btoa("edgesend-test-webhook-secret-32b")}`;
		const signed = await call(
			"/emails",
			{
				method: "POST",
				body: "{}",
				headers: {
					"Content-Type": "application/json",
					"webhook-id": "evt_1",
					"webhook-timestamp": String(Math.floor(Date.now() / 1000)),
					"webhook-signature": "v1,AAAA",
				},
			},
			{ WEBHOOK_SECRET: secret },
		);
		expect(signed.status).toBe(403);
		expect(await signed.json()).toMatchObject({ name: "restricted_api_key", message: expect.stringContaining("/v1/") });
	});
});
