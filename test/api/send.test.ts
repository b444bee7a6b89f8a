/**
 * POST /v1/send end to end, inside workerd, against the suite's relays: the
 * message arrives parsed identical, the answer carries the relay's id, and a
 * label becomes the AUTH user's suffix.
 */
import { describe, expect, it } from "vitest";
import { sharedRelays, startRelay } from "../helpers/relay";
import { auth, base64, call, callEntry, message, parse, post, problemOf, relayAt, serveFiles } from "./support";

const png = Uint8Array.from([
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3,
]);
const pdf = new TextEncoder().encode("%PDF-1.4\n% edgesend test\n%%EOF\n");

describe("POST /v1/send", () => {
	it("delivers text + HTML + inline image + attachment + label, and answers with the relay's id", async () => {
		const relay = await startRelay({ security: "starttls" });
		const body = {
			from: { email: "support@example.com", name: "Support Team" },
			to: ["ben@example.com", { email: "amy@example.com", name: "Amy Émilie" }],
			cc: "carl@example.com",
			replyTo: "Help <help@example.com>",
			subject: "Your receipt — nº 42",
			text: "Thanks for your order.\nTotal: 12 €",
			html: '<p>Thanks for your order.</p><img src="cid:logo">',
			attachments: [
				{ filename: "logo.png", type: "image/png", disposition: "inline", contentId: "logo", content: base64(png) },
				{ filename: "receipt.pdf", type: "application/pdf", content: base64(pdf) },
			],
			headers: { "X-Campaign": "nov" },
			labelId: 42,
		};
		const response = await post("/v1/send", body, relayAt(relay.port));
		expect(response.status).toBe(200);
		const sent = (await response.json()) as { id: string; messageId: string; accepted: string[]; rejected: unknown[] };

		const [recorded] = await relay.messages();
		expect(sent.id).toBe(recorded.queueId);
		expect(sent.accepted).toEqual(["ben@example.com", "amy@example.com", "carl@example.com"]);
		expect(sent.rejected).toEqual([]);
		expect(recorded.authUser).toBe("api_user#42");
		expect(recorded.mailFrom).toBe("support@example.com");
		expect(recorded.rcptTo).toEqual(["ben@example.com", "amy@example.com", "carl@example.com"]);

		const email = await parse(recorded);
		expect(email.messageId).toBe(sent.messageId);
		expect(email.from).toEqual({ address: "support@example.com", name: "Support Team" });
		expect(email.to).toEqual([
			{ address: "ben@example.com", name: "" },
			{ address: "amy@example.com", name: "Amy Émilie" },
		]);
		expect(email.cc).toEqual([{ address: "carl@example.com", name: "" }]);
		expect(email.replyTo).toEqual([{ address: "help@example.com", name: "Help" }]);
		expect(email.subject).toBe(body.subject);
		expect(email.text?.replace(/\r\n/g, "\n").trimEnd()).toBe(body.text);
		expect(email.html?.trimEnd()).toBe(body.html);
		expect(email.headers.find((h) => h.key === "x-campaign")?.value).toBe("nov");
		const [logo, receipt] = email.attachments;
		expect(logo).toMatchObject({
			filename: "logo.png",
			mimeType: "image/png",
			disposition: "inline",
			contentId: "<logo>",
		});
		expect(new Uint8Array(logo.content as ArrayBuffer)).toEqual(png);
		expect(receipt).toMatchObject({ filename: "receipt.pdf", mimeType: "application/pdf", disposition: "attachment" });
		expect(new Uint8Array(receipt.content as ArrayBuffer)).toEqual(pdf);
		// The session was closed politely, in the background.
		expect((await relay.connections())[0].commands.at(-1)).toBe("QUIT");
		await relay.stop();
	});

	it("fetches url attachments over https, taking the type from the response when not given", async () => {
		const relay = await startRelay({ security: "starttls" });
		const gif = Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0]);
		const files = await serveFiles({ "/chart": { base64: base64(gif), type: "image/gif" } });
		const body = message("url", {
			html: '<p>Sales</p><img src="cid:chart">',
			attachments: [{ filename: "chart", disposition: "inline", contentId: "chart", url: files.url("/chart") }],
		});
		const response = await post("/v1/send", body, relayAt(relay.port));
		expect(response.status).toBe(200);
		const [attachment] = (await parse((await relay.messages())[0])).attachments;
		expect(attachment).toMatchObject({ filename: "chart", mimeType: "image/gif", contentId: "<chart>" });
		expect(new Uint8Array(attachment.content as ArrayBuffer)).toEqual(gif);

		const missing = message("url", { attachments: [{ filename: "gone.pdf", url: files.url("/gone.pdf") }] });
		const refused = await post("/v1/send", missing, relayAt(relay.port));
		expect(refused.status).toBe(422);
		expect((await problemOf(refused)).errors).toEqual([
			{ path: "attachments[0].url", message: expect.stringMatching(/404/) },
		]);
		expect(await files.requests()).toEqual(["/chart", "/gone.pdf"]);
		expect(await relay.messages()).toHaveLength(1);
		await files.stop();
		await relay.stop();
	});

	it("goes through the Worker's own entry with the suite's settings (STARTTLS relay, no label)", async () => {
		const tag = crypto.randomUUID();
		const response = await callEntry("/v1/send", {
			method: "POST",
			headers: auth,
			body: JSON.stringify(message(tag)),
		});
		expect(response.status).toBe(200);
		expect(response.headers.get("X-Request-Id")).toMatch(/^[\w.-]+$/);
		const sent = (await response.json()) as { id: string };
		const recorded = (await sharedRelays.starttls().messages()).find((m) => m.data.includes(tag));
		expect(recorded?.queueId).toBe(sent.id);
		expect(recorded?.authUser).toBe("api_user");
		const connection = (await sharedRelays.starttls().connections()).find((c) => c.id === recorded?.connectionId);
		expect(connection?.tls).toBe(true);
	});

	it("accepts labelId as a digit string and answers GET /healthz without credentials", async () => {
		const relay = await startRelay({ security: "starttls" });
		const response = await post("/v1/send", message("label", { labelId: "7" }), relayAt(relay.port));
		expect(response.status).toBe(200);
		expect((await relay.messages())[0].authUser).toBe("api_user#7");
		await relay.stop();
		const health = await call("/healthz");
		expect(health.status).toBe(200);
		expect(await health.json()).toEqual({ ok: true });
	});

	it("reports the relay's usage through GET /v1/limits", async () => {
		// An api_user of its own, so no other test's sends are counted.
		const user = `limits_${crypto.randomUUID().slice(0, 8)}`;
		const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
		const overrides = relayAt(relay.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: "50" });
		expect((await post("/v1/send", message("limits"), overrides)).status).toBe(200);
		const response = await call("/v1/limits", { headers: auth }, overrides);
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ limit: 50, used: 1, remaining: 49 });
		await relay.stop();
	});
});
