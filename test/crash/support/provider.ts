/**
 * The provider's side of a crash run: for every message the run's relay
 * received, one signed `delivered` status callback to
 * `POST /v1/events/engagelab`, as an invocation of its own through the run's
 * wrapped bindings (so its calls are crash points too), sent again with the
 * same body on anything but a 200, as the provider resends. The relay id is
 * the one the relay gave the message (`<user>_<n>`), also when it dropped the
 * connection before saying it: the provider knows its own ids.
 */
import { ENGAGELAB_KEY, hmacHex } from "../../events/support";
import type { Answer } from "./run";

/** How often the provider sends a callback that was not answered 200. */
const MAX_TRIES = 10;

export interface Callback {
	/** The relay's n-th message (from 1). */
	n: number;
	relayId: string;
	recipients: string[];
	body: string;
	tries: number;
	answered: boolean;
}

/** What the provider needs of its run: the relay's messages and a way to post. */
export interface ProviderRun {
	readonly user: string;
	relayRecord(): Promise<{ messages: { rcptTo: string[] }[] }>;
	request(path: string, init: RequestInit, atRunClock: boolean): Promise<Answer>;
}

/** The relay id the run's relay gives its n-th message. */
export const relayIdOf = (user: string, n: number) => `${user}_${n}`;

export class Provider {
	readonly callbacks: Callback[] = [];

	constructor(private readonly run: ProviderRun) {}

	/** Whether a callback is still to be answered 200 (and the provider has not given up on it). */
	get pending(): boolean {
		return this.callbacks.some((c) => !c.answered && c.tries < MAX_TRIES);
	}

	/** Calls back for the relay's new messages, and again for the ones not answered 200 yet. */
	async callBack(): Promise<void> {
		const { messages } = await this.run.relayRecord();
		for (const [i, message] of messages.entries()) {
			if (this.callbacks.some((c) => c.n === i + 1)) continue;
			const relayId = relayIdOf(this.run.user, i + 1);
			const itime = Date.now();
			const body = message.rcptTo.map((to) => ({
				server: "email",
				message_id: relayId,
				itime,
				status: {
					message_status: "delivered",
					status_data: { email_id: `${relayId}0$${to}`, task_id: "-1", api_user: this.run.user, message: "delivered" },
				},
				custom_args: {},
			}));
			this.callbacks.push({
				n: i + 1,
				relayId,
				recipients: message.rcptTo,
				body: JSON.stringify(body),
				tries: 0,
				answered: false,
			});
		}
		for (const callback of this.callbacks) {
			if (callback.answered || callback.tries >= MAX_TRIES) continue;
			callback.tries++;
			const answer = await this.run.request("/v1/events/engagelab", await signed(callback.body), true);
			callback.answered = answer !== "abandoned" && answer.status === 200;
		}
	}
}

let lastTimestamp = 0;

/** A POST signed as the provider signs it: hex HMAC-SHA256 of a fresh timestamp (each signature is bound to one body). */
async function signed(body: string): Promise<RequestInit> {
	lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
	const timestamp = String(lastTimestamp);
	const headers = {
		"Content-Type": "application/json",
		"X-WebHook-AppKey": "email",
		"X-WebHook-Timestamp": timestamp,
		"X-WebHook-Signature": await hmacHex(ENGAGELAB_KEY, timestamp),
	};
	return { method: "POST", headers, body };
}
