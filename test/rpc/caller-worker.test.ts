/**
 * examples/caller-worker, an auxiliary Worker in the suite's Miniflare, sends
 * through its EMAIL binding to edgesend's EdgeSend entrypoint; the shared
 * relay gets the message, and it parses to the same message as an HTTP send
 * of the same request (only Date, Message-ID and the boundaries differ).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base64, parse, post } from "../api/support";
import { comparable } from "../helpers/comparable-mail";
import { sharedRelays } from "../helpers/relay";

const caller = (env as unknown as { CALLER: Fetcher }).CALLER;

describe("examples/caller-worker", () => {
	it("sends through the binding what an HTTP send of the same message sends", async () => {
		const name = `Amy ${crypto.randomUUID().slice(0, 8)}`;
		const email = "amy@example.com";
		const response = await caller.fetch("https://caller/", { method: "POST", body: JSON.stringify({ email, name }) });
		expect(response.status).toBe(200);
		const { messageId } = (await response.json()) as { messageId: string };
		const viaBinding = (await sharedRelays.starttls().messages()).find((m) => m.data.includes(name));
		if (!viaBinding) throw new Error("the relay did not get the caller's message");
		const fromBinding = await parse(viaBinding);
		expect(fromBinding.messageId).toBe(messageId);

		// The same message as the example builds it, over HTTP.
		const card = new TextEncoder().encode(`BEGIN:VCARD\r\nVERSION:4.0\r\nFN:${name}\r\nEND:VCARD\r\n`);
		const http = await post("/v1/send", {
			from: { email: "welcome@example.com", name: "Example Shop" },
			to: { email, name },
			subject: `Welcome, ${name}`,
			text: `Hello ${name}, thanks for signing up.`,
			attachments: [{ filename: "contact.vcf", type: "text/vcard", content: base64(card) }],
		});
		expect(http.status).toBe(200);
		const { id } = (await http.json()) as { id: string };
		const viaHttp = (await sharedRelays.starttls().messages()).find((m) => m.queueId === id);
		if (!viaHttp) throw new Error("the relay did not get the HTTP message");
		expect(viaBinding.authUser).toBe(viaHttp.authUser);
		expect(viaBinding.mailFrom).toBe(viaHttp.mailFrom);
		expect(viaBinding.rcptTo).toEqual(viaHttp.rcptTo);
		expect(comparable(fromBinding)).toEqual(comparable(await parse(viaHttp)));
		expect(new Uint8Array(fromBinding.attachments[0].content as ArrayBuffer)).toEqual(card);
	});

	it("gets the problem back through toProblem when the send fails", async () => {
		const response = await caller.fetch("https://caller/", {
			method: "POST",
			body: JSON.stringify({ email: "not-an-address", name: "Nobody" }),
		});
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ code: "validation_failed" });
	});
});
