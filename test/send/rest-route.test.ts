/**
 * The provider's REST route: a message mapped to EngageLab's JSON (and what
 * the JSON cannot carry refused by field), sent to the suite's imitation of
 * the API, and every way the exchange can end read as a delivery or a typed
 * RestError that says whether the provider may have the message.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MessageInput } from "../../src/mime";
import { RestError, readAnswer, requestIdOf, sendRest } from "../../src/send/rest-client";
import { REST_LIMITS, RestUnfit, toEngageLabMail } from "../../src/send/rest-request";
import { deadPort } from "../helpers/faults";
import { type RestRelayHandle, startRestRelay } from "../helpers/rest";

const encoder = new TextEncoder();
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const input = (extra: Partial<MessageInput> = {}): MessageInput => ({
	from: { email: "support@example.com", name: "Support" },
	to: [{ email: "ben@example.com" }, { email: "amy@example.com", name: "Doe, Amy" }],
	cc: [{ email: "cy@example.com" }],
	bcc: [{ email: "audit@example.com" }],
	replyTo: [{ email: "help@example.com" }],
	subject: "Your receipt",
	text: "Thanks.",
	html: '<p>Thanks.<img src="cid:logo"></p>',
	attachments: [
		{ filename: "logo.png", disposition: "inline", contentId: "logo", content: PNG },
		{ filename: "receipt.txt", content: encoder.encode("total: 3") },
	],
	headers: { "X-Campaign": "nov" },
	...extra,
});
const options = { messageId: "<abc123@example.com>", labelId: "42", requestId: "msg_01test" };

describe("a message as EngageLab's JSON", () => {
	it("maps every field the API takes", () => {
		expect(toEngageLabMail(input(), options)).toEqual({
			from: "Support <support@example.com>",
			to: ["ben@example.com", '"Doe, Amy" <amy@example.com>'],
			body: {
				cc: ["cy@example.com"],
				bcc: ["audit@example.com"],
				reply_to: ["help@example.com"],
				subject: "Your receipt",
				content: { html: '<p>Thanks.<img src="cid:logo"></p>', text: "Thanks." },
				label_id: "42",
				headers: { "X-Campaign": "nov", "Message-ID": "<abc123@example.com>" },
				attachments: [
					{
						content: "iVBORw0KGgo=",
						type: "image/png",
						filename: "logo.png",
						disposition: "inline",
						content_id: "logo",
					},
					{ content: "dG90YWw6IDM=", type: "text/plain", filename: "receipt.txt", disposition: "attachment" },
				],
				settings: { send_mode: 1, return_email_id: true },
			},
			request_id: "msg_01test",
		});
	});

	it("turns data: images into inline parts, as the composer does", () => {
		const html = '<img src="data:image/png;base64,iVBORw0KGgo=">';
		const mail = toEngageLabMail(input({ html, attachments: [] }), options);
		const [part] = mail.body.attachments ?? [];
		expect(part).toMatchObject({
			content: "iVBORw0KGgo=",
			type: "image/png",
			filename: "image-1.png",
			disposition: "inline",
		});
		expect(mail.body.content.html).toBe(`<img src="cid:${part.content_id}">`);
	});

	it("refuses, by field, what the API cannot carry", () => {
		const many = Array.from({ length: 101 }, (_, i) => ({ email: `r${i}@example.com` }));
		let unfit: unknown;
		try {
			toEngageLabMail(
				input({
					to: many,
					replyTo: many.slice(0, 4),
					subject: "s".repeat(REST_LIMITS.subjectCharacters + 1),
					attachments: [{ filename: "a.png", disposition: "inline", content: PNG }],
					headers: { Sender: "x@example.com", "X-Long": "v".repeat(1100) },
				}),
				options,
			);
		} catch (error) {
			unfit = error;
		}
		expect(unfit).toBeInstanceOf(RestUnfit);
		expect((unfit as RestUnfit).issues.map((i) => i.path)).toEqual([
			"to",
			"replyTo",
			"subject",
			"attachments[0].contentId",
			'headers["Sender"]',
			"headers",
		]);
		// 256 characters are 256 code points, emoji included.
		expect(() => toEngageLabMail(input({ subject: "🙂".repeat(256) }), options)).not.toThrow();
	});
});

describe("the REST route against the imitation", () => {
	let relay: RestRelayHandle | undefined;
	afterEach(async () => {
		await relay?.stop();
		relay = undefined;
	});
	const target = (r: RestRelayHandle, extra = {}) => ({ url: r.url, user: "api_user", pass: "api_key", ...extra });
	const failure = async (promise: Promise<unknown>): Promise<RestError> => {
		try {
			await promise;
		} catch (error) {
			if (error instanceof RestError) return error;
			throw error;
		}
		throw new Error("the send did not fail");
	};

	it("sends once, answers the request's id, and a repeat of its request_id sends nothing", async () => {
		relay = await startRestRelay();
		const mail = toEngageLabMail(input(), options);
		const first = await sendRest(target(relay), mail);
		expect(first.emailIds).toHaveLength(4);
		expect(first.emailIds[1]).toBe(`${first.id}1$amy@example.com`);
		const again = await sendRest(target(relay), mail);
		expect(again).toEqual(first);
		const record = await relay.record();
		expect(record.messages).toHaveLength(1);
		expect(record.messages[0]).toMatchObject({ apiUser: "api_user", id: first.id, json: mail });
	});

	it("reads the provider's refusals: credentials, the message, the limit", async () => {
		relay = await startRestRelay({ perMinute: 1 });
		const auth = await failure(sendRest(target(relay, { pass: "wrong" }), toEngageLabMail(input(), options)));
		expect(auth).toMatchObject({ kind: "auth", detail: { status: 401, code: 30000, maybeSent: false } });

		const noFrom = { ...toEngageLabMail(input(), options), from: "" };
		const rejected = await failure(sendRest(target(relay), noFrom));
		expect(rejected).toMatchObject({
			kind: "rejected",
			detail: { status: 400, code: 30801, reply: "From can not be empty" },
		});

		await sendRest(target(relay), toEngageLabMail(input(), { ...options, requestId: "a" }));
		const limited = await failure(sendRest(target(relay), toEngageLabMail(input(), { ...options, requestId: "b" })));
		expect(limited).toMatchObject({ kind: "limit", detail: { status: 429, maybeSent: false } });
	});

	it("says the provider may have the message unless its answer says it has not", async () => {
		const mail = toEngageLabMail(input(), options);
		// workerd reports a refused connection as it reports one cut after the body went out.
		const refused = await failure(
			sendRest({ url: `https://localhost:${await deadPort()}`, user: "u", pass: "p" }, mail),
		);
		expect(refused).toMatchObject({ kind: "unknown", detail: { maybeSent: true } });

		relay = await startRestRelay();
		await relay.setMode({ kind: "drop" });
		const dropped = await failure(sendRest(target(relay), mail));
		expect(dropped).toMatchObject({ kind: "unknown", detail: { maybeSent: true } });

		await relay.setMode({ kind: "status", status: 503 });
		expect(await failure(sendRest(target(relay), mail))).toMatchObject({
			kind: "unavailable",
			detail: { status: 503, maybeSent: false },
		});
		await relay.setMode({ kind: "status", status: 500 });
		expect(await failure(sendRest(target(relay), mail))).toMatchObject({
			kind: "unknown",
			detail: { status: 500, maybeSent: true },
		});

		await relay.setMode({ kind: "hang" });
		const hung = await failure(sendRest(target(relay, { timeoutMs: 500 }), mail));
		expect(hung).toMatchObject({ kind: "unknown", detail: { maybeSent: true } });
		expect((await relay.record()).messages).toHaveLength(0);
	});

	it("is taken down and brought back on the same port", async () => {
		relay = await startRestRelay();
		const mail = (requestId: string) => toEngageLabMail(input(), { ...options, requestId });
		await relay.setMode({ kind: "down" });
		expect(await failure(sendRest(target(relay), mail("down")))).toMatchObject({ kind: "unknown" });
		await relay.setMode({ kind: "up" });
		await sendRest(target(relay), mail("up"));
		expect((await relay.record()).messages).toHaveLength(1);
	});
});

describe("the provider's answer", () => {
	it("takes the request's id from email_ids, as the provider's callbacks name it", () => {
		expect(requestIdOf("1447054895514_15555555_32350_1350.sc-10_10_126_221-inbound0$111@qq.com")).toBe(
			"1447054895514_15555555_32350_1350.sc-10_10_126_221-inbound",
		);
		expect(requestIdOf("x-inbound12$a@b.example", 12)).toBe("x-inbound");
		expect(() => readAnswer("u", 200, "{}")).toThrow(RestError);
		expect(() => readAnswer("u", 200, "not json")).toThrow(/may have been accepted/);
	});
});
