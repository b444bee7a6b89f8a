/**
 * One message over each kind of route (src/send/route-send.ts): a second SMTP
 * relay (with the label in the AUTH user), the provider's REST API (only the
 * recipients the envelope still holds), and the send_email binding.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { composeMessage, type MessageInput } from "../../src/mime";
import { sendOverRoute } from "../../src/send/route-send";
import { sharedRelays } from "../helpers/relay";
import { type RestRelayHandle, startRestRelay } from "../helpers/rest";

const context = { ehloName: "edgesend.test" };

const input = (tag: string): MessageInput => ({
	from: { email: "support@example.com" },
	to: [{ email: "ben@example.com" }, { email: "gone@example.com" }],
	cc: [{ email: "cy@example.com" }],
	subject: `route ${tag}`,
	text: "hello",
});

describe("one message over each kind of route", () => {
	let rest: RestRelayHandle | undefined;
	afterEach(async () => {
		await rest?.stop();
		rest = undefined;
	});

	it("a second SMTP relay, with the label in the AUTH user", async () => {
		const tag = crypto.randomUUID();
		const relay = sharedRelays.fallback();
		const route = {
			kind: "smtp",
			host: "localhost",
			port: relay.port,
			security: "starttls",
			user: "api_user",
			pass: "api_key",
		} as const;
		const composed = composeMessage(input(tag));
		const delivery = await sendOverRoute(route, { composed, labelId: "7", requestId: "r1" }, context);
		const arrived = (await relay.messages()).filter((m) => m.data.includes(tag));
		expect(arrived).toHaveLength(1);
		expect(arrived[0]).toMatchObject({ authUser: "api_user#7", queueId: delivery.id });
		expect(delivery.accepted).toEqual(["ben@example.com", "gone@example.com", "cy@example.com"]);
	});

	it("the provider's REST API, to the recipients the envelope still holds", async () => {
		rest = await startRestRelay();
		const route = { kind: "engagelab-rest", url: rest.url, user: "api_user", pass: "api_key" } as const;
		const message = input(crypto.randomUUID());
		const full = composeMessage(message);
		// The send path drops a suppressed recipient from the envelope only.
		const composed = { ...full, envelope: { ...full.envelope, to: ["ben@example.com", "cy@example.com"] } };
		const delivery = await sendOverRoute(
			route,
			{ composed, input: message, labelId: "7", requestId: "msg_route" },
			context,
		);
		const [taken] = (await rest.record()).messages;
		expect(taken.id).toBe(delivery.id);
		expect(taken.json).toMatchObject({
			to: ["ben@example.com"],
			body: { cc: ["cy@example.com"], label_id: "7" },
			request_id: "msg_route",
		});
		expect(delivery.accepted).toEqual(["ben@example.com", "cy@example.com"]);
	});

	it("the send_email binding", async () => {
		const composed = composeMessage(input(crypto.randomUUID()));
		const delivery = await sendOverRoute(
			{ kind: "email-binding" },
			{ composed, requestId: "r" },
			{ ...context, binding: env.TEST_SEND_EMAIL },
		);
		expect(delivery.accepted).toEqual(composed.envelope.to);
		expect(delivery.id).toMatch(/@example\.com$/);
	});
});
