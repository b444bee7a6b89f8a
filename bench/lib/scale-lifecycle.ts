/**
 * The scale bench's lifecycle path: async sends with webhooks on, then one
 * signed `delivered` provider callback per message and its webhook. It runs
 * in two rounds of half the messages each, so that the objects' sizes can be
 * read around the second round alone: the first pays what an object pays
 * once (its schema's first pages, the directory's note of each shard), the
 * second only what each message adds. The counts cover both rounds, split
 * into the two parts: accept → final with its webhook, and the callback with
 * its webhook.
 */
import type { Stats } from "../counting/registry.ts";
import { callersWave } from "./callers.ts";
import { type ScaleApp, settledStats, waitFor } from "./scale-app.ts";
import { addStats, type RoundSizes, subtractStats } from "./scale-model.ts";
import { CALLERS, expectStatus, relayHas, sendEach, webhooksOf } from "./scale-sends.ts";

export interface LifecycleParts {
	accept: Stats;
	callbacks: Stats;
}

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

export async function runLifecycle(
	app: ScaleApp,
	n: number,
): Promise<{ refs: string[]; parts: LifecycleParts; sizes: RoundSizes }> {
	const half = Math.ceil(n / 2);
	const rounds = [
		{ first: 0, count: half },
		{ first: half, count: n - half },
	].filter((r) => r.count > 0);
	const refs: string[] = [];
	let before = await app.stats();
	let accept: Stats | undefined;
	let callbacks: Stats | undefined;
	let roundStart = await app.sizes();
	let afterAccept = roundStart;
	for (const { first, count } of rounds) {
		const end = first + count;
		roundStart = await app.sizes();
		refs.push(...(await sendEach(app, "lifecycle", first, count, "async")));
		await waitFor(`${end} messages at the relay`, relayHas(app, end));
		await waitFor(`${end} message.sent webhooks`, webhooksOf(app, "message.sent", end));
		const accepted = await settledStats(app);
		afterAccept = await app.sizes();
		const delivered = app.link.relay.messages.slice(first, end);
		await callersWave(CALLERS, delivered.length, async (k) => {
			const m = delivered[k];
			const { status, answer } = await app.callback(deliveredCallback(m.queueId, m.rcptTo[0]));
			expectStatus(`callback ${first + k}`, status, answer, 200);
		});
		await waitFor(`${end} message.delivered webhooks`, webhooksOf(app, "message.delivered", end));
		const done = await settledStats(app);
		const acceptPart = subtractStats(accepted, before);
		const callbackPart = subtractStats(done, accepted);
		accept = accept ? addStats(accept, acceptPart) : acceptPart;
		callbacks = callbacks ? addStats(callbacks, callbackPart) : callbackPart;
		before = done;
	}
	const last = rounds[rounds.length - 1];
	return {
		refs,
		parts: { accept: accept as Stats, callbacks: callbacks as Stats },
		sizes: { roundStart, afterAccept, end: await app.sizes(), messages: last.count },
	};
}
