/**
 * ?dryRun=true: the exact message that would go out, parsed with a real parser
 * and compared with what an actual send of the same request delivers (only
 * Date, Message-ID and the MIME boundaries differ, being fresh per message);
 * no permit, no connection, no Idempotency-Key record.
 */
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { comparable } from "../helpers/comparable-mail";
import { startRelay } from "../helpers/relay";
import { auth, base64, call, message, parse, post, problemOf, relayAt, serveFiles } from "./support";

interface DryRun {
	dryRun: true;
	size: number;
	envelope: { from: string; to: string[] };
	authUser: string;
	messageId: string;
	warnings: { code: string; path: string }[];
	mime: string;
}

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0x00, 0x7f]);

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("POST /v1/send?dryRun=true", () => {
	it("shows the message an actual send delivers, fetching url attachments, and opens no connection", async () => {
		const relay = await startRelay({ security: "starttls" });
		const files = await serveFiles({ "/chart.gif": { base64: base64(png), type: "image/gif" } });
		const body = message("dry", {
			from: { email: "support@example.com", name: "Support Team" },
			to: ["ben@example.com", { email: "amy@example.com", name: "Amy Émilie" }],
			bcc: "audit@example.com",
			subject: "Your receipt — nº 42",
			html: '<p>Hi</p><img src="cid:chart"><img src="cid:nowhere">',
			attachments: [
				{ filename: "chart.gif", disposition: "inline", contentId: "chart", url: files.url("/chart.gif") },
				{ filename: "raw.bin", content: base64(png) },
			],
			headers: { "X-Campaign": "nov" },
			labelId: 42,
		});
		const dry = await post("/v1/send?dryRun=true", body, relayAt(relay.port), { "Idempotency-Key": "dry-1" });
		expect(dry.status).toBe(200);
		const shown = (await dry.json()) as DryRun;
		expect(shown).toMatchObject({
			dryRun: true,
			envelope: { from: "support@example.com", to: ["ben@example.com", "amy@example.com", "audit@example.com"] },
			authUser: "api_user#42",
			warnings: [{ code: "cid_unresolved", path: "html" }],
		});
		expect(shown.size).toBe(utf8(shown.mime).length);
		expect(JSON.stringify(shown)).not.toContain("api_key");
		expect(await relay.connections()).toEqual([]);
		expect(await files.requests()).toEqual(["/chart.gif"]);

		// Nothing was kept for the key: the same key now really sends.
		const sent = await post("/v1/send", body, relayAt(relay.port), { "Idempotency-Key": "dry-1" });
		expect(sent.status).toBe(200);
		expect(sent.headers.get("Idempotent-Replayed")).toBeNull();
		const [delivered] = await relay.messages();
		expect(delivered.authUser).toBe(shown.authUser);
		expect(delivered.mailFrom).toBe(shown.envelope.from);
		expect(delivered.rcptTo).toEqual(shown.envelope.to);

		const fromDry = await PostalMime.parse(utf8(shown.mime));
		expect(fromDry.messageId).toBe(shown.messageId);
		const fromRelay = await parse(delivered);
		expect(comparable(fromDry)).toEqual(comparable(fromRelay));
		expect(fromDry.attachments).toHaveLength(2);
		await files.stop();
		await relay.stop();
	});

	it("answers the raw message with Accept: message/rfc822, and takes no permit", async () => {
		const user = `dry_${crypto.randomUUID().slice(0, 8)}`;
		const overrides = { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: "3" };
		const raw = await post("/v1/send?dryRun=true", message("raw"), overrides, { Accept: "message/rfc822" });
		expect(raw.status).toBe(200);
		expect(raw.headers.get("Content-Type")).toBe("message/rfc822");
		const bytes = new Uint8Array(await raw.arrayBuffer());
		const email = await PostalMime.parse(bytes);
		expect(email.subject).toBe("test raw");
		expect(email.text?.trim()).toBe("hello raw");
		expect(new TextDecoder().decode(bytes)).toMatch(/\r\n\r\n/);
		const limits = (await (await call("/v1/limits", { headers: auth }, overrides)).json()) as { used: number };
		expect(limits.used).toBe(0);
	});

	it("answers problems as a send would, and refuses a bad dryRun value and public keys", async () => {
		const invalid = await post("/v1/send?dryRun=true", { ...message("x"), to: "nobody" });
		expect(invalid.status).toBe(400);
		expect((await problemOf(invalid)).errors?.[0].path).toBe("to");
		const bad = await post("/v1/send?dryRun=yes", message("x"));
		expect(bad.status).toBe(400);
		expect((await problemOf(bad)).errors).toEqual([{ path: "dryRun", message: "must be true or false" }]);
		const keys = JSON.stringify([
			{
				key: "pk_dry_test_0123456789abcdef",
				origins: ["https://shop.example"],
				to: ["ben@example.com"],
				from: ["support@example.com"],
			},
		]);
		const browser = await call(
			"/v1/send?dryRun=true&key=pk_dry_test_0123456789abcdef",
			{
				method: "POST",
				headers: { "Content-Type": "application/json", Origin: "https://shop.example" },
				body: JSON.stringify(message("x")),
			},
			{ PUBLIC_KEYS: keys },
		);
		expect(browser.status).toBe(403);
		expect((await problemOf(browser)).detail).toMatch(/dry run/);
		// The api_user's figures are not for browsers.
		expect(browser.headers.get("RateLimit")).toBeNull();
	});
});

describe("POST /v1/batch?dryRun=true", () => {
	it("gives one dry run or problem per message and sends nothing", async () => {
		const relay = await startRelay({ security: "starttls" });
		const response = await post(
			"/v1/batch?dryRun=true",
			{ messages: [message("b1"), { ...message("b2"), to: "nobody" }, message("b3", { labelId: 7 })] },
			relayAt(relay.port),
		);
		expect(response.status).toBe(200);
		const { results } = (await response.json()) as { results: (DryRun & { status: number; code?: string })[] };
		expect(results.map((r) => r.status)).toEqual([200, 400, 200]);
		expect(results[1].code).toBe("validation_failed");
		expect(results[2].authUser).toBe("api_user#7");
		expect((await PostalMime.parse(utf8(results[0].mime))).subject).toBe("test b1");
		expect(await relay.connections()).toEqual([]);
		await relay.stop();
	});
});
