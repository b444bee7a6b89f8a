/**
 * The crash test of an async send (`Prefer: respond-async`, one message,
 * webhooks on, the provider calling back `delivered`): every call of its
 * life — the request's, the consumer's, the webhook jobs', the provider's
 * callback's — made to throw, and its invocation killed after and before
 * it; every message the relay received refused, dropped before and dropped
 * after the final dot. After the queue and the sweep have done their part,
 * the message reached the relay at most once (exactly once unless it ended
 * failed or unknown), ended final within a lease and a sweep, with exactly
 * one webhook per status (`message.delivered` after `message.sent`), and the
 * limiter counted every send (support/checks.ts, support/webhooks.ts).
 */
import { expect, it } from "vitest";
import { message } from "../api/support";
import { ASYNC, post, toldBySend } from "./support/client";
import { crashEveryPoint } from "./support/points";

it("an async send keeps its promises whatever call fails or dies", async () => {
	const report = await crashEveryPoint({
		name: "async send",
		client: async (run) => [toldBySend(await post(run, "/v1/send", message("0"), ASYNC))],
	});
	expect(report.problems).toEqual([]);
	expect(report.points).toBeGreaterThanOrEqual(3 * report.calls + 3 * report.relayed);
}, 600_000);
