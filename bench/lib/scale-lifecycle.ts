/**
 * One round of the scale bench's lifecycle path: async sends with webhooks
 * on, then one signed `delivered` provider callback per message and its
 * webhook. A round reads the counts and the objects' sizes between its two
 * parts (accept → final with its message.sent webhook; the callback with its
 * message.delivered webhook), so both can be told apart.
 */
import type { Stats } from "../counting/registry.ts";
import { callersWave } from "./callers.ts";
import { type ScaleApp, type Sizes, settledStats, waitFor } from "./scale-app.ts";
import { CALLERS, expectStatus, relayHas, sendEach, webhooksOf } from "./scale-sends.ts";

/** The provider's `delivered` status callback for one message (EngageLab's shape). */
function deliveredCallback(relayId: string, recipient: string) {
	return {
		server: "email",
		message_id: relayId,
		itime: Date.now(),
		status: {
			message_status: "delivered",
			status_data: { email_id: `${relayId}0$${recipient}`, task_id: "-1", api_user: "api_user", message: "250 ok" },
		},
		custom_args: {},
	};
}

/** Messages `first` … `first + count − 1` through their whole life; the counts and sizes between the two parts. */
export async function lifecycleRound(
	app: ScaleApp,
	first: number,
	count: number,
): Promise<{ refs: string[]; accepted: Stats; acceptedSizes: Sizes }> {
	const end = first + count;
	const refs = await sendEach(app, "lifecycle", first, count, "async");
	await waitFor(`${end} messages at the relay`, relayHas(app, end));
	await waitFor(`${end} message.sent webhooks`, webhooksOf(app, "message.sent", end));
	const accepted = await settledStats(app);
	const acceptedSizes = await app.sizes();
	// The relay's copies arrive in rounds: this round's are the last `count` of them.
	const delivered = app.link.relay.messages.slice(first, end);
	await callersWave(CALLERS, delivered.length, async (k) => {
		const m = delivered[k];
		const { status, answer } = await app.callback(deliveredCallback(m.queueId, m.rcptTo[0]));
		expectStatus(`callback ${first + k}`, status, answer, 200);
	});
	await waitFor(`${end} message.delivered webhooks`, webhooksOf(app, "message.delivered", end));
	return { refs, accepted, acceptedSizes };
}
