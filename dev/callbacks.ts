/**
 * The provider's event callbacks, simulated for `npm run dev`: for each
 * recipient of a message the local relay accepted, the relay POSTs what
 * EngageLab would, signed as EngageLab signs it (hex HMAC-SHA256 of the
 * timestamp with the app key), to the worker's /v1/events/engagelab, a second
 * later. The recipient's local part picks the outcome: `bounce@…` a hard
 * bounce (invalid email), `softbounce@…` a soft bounce, `complaint@…`
 * delivered then a spam report; anyone else is delivered.
 */
import { createHmac } from "node:crypto";
import type { ActivityLog } from "./activity.ts";
import type { StoredMessage } from "./outbox.ts";

/** The app key the dev worker verifies with (it opens nothing but the local callbacks). */
export const DEV_ENGAGELAB_KEY = "edgesend-dev-engagelab-key";

const DELAY_MS = 1000;

type Step = { kind: "status"; value: string } | { kind: "response"; value: string };

function stepsFor(recipient: string): Step[] {
	const local = recipient.split("@")[0].toLowerCase();
	if (local === "bounce") return [{ kind: "status", value: "invalid_email" }];
	if (local === "softbounce") return [{ kind: "status", value: "soft_bounce" }];
	if (local === "complaint")
		return [
			{ kind: "status", value: "delivered" },
			{ kind: "response", value: "report_spam" },
		];
	return [{ kind: "status", value: "delivered" }];
}

function callbackBody(m: StoredMessage, index: number, recipient: string, step: Step) {
	const data = {
		email_id: `${m.relayId}${index}$${recipient}`,
		api_user: (m.authUser ?? "").split("#")[0],
		task_id: "-1",
		message: step.value === "invalid_email" ? "Not Exist: 550 5.1.1 user unknown (simulated)" : step.value,
	};
	const base = { server: "email", message_id: m.relayId, itime: Date.now(), custom_args: {} };
	return step.kind === "status"
		? { ...base, status: { message_status: step.value, status_data: data } }
		: { ...base, response: { event: step.value, response_data: data } };
}

export class CallbackSimulator {
	/** The worker's base URL, once it is up; callbacks before that are dropped. */
	target?: string;
	private timers = new Set<NodeJS.Timeout>();
	private readonly key: string;
	private readonly activity: ActivityLog;

	constructor(key: string, activity: ActivityLog) {
		this.key = key;
		this.activity = activity;
	}

	accepted(m: StoredMessage): void {
		m.rcptTo.forEach((recipient, index) => {
			stepsFor(recipient).forEach((step, n) => {
				const timer = setTimeout(
					() => {
						this.timers.delete(timer);
						void this.post(m, index, recipient, step);
					},
					DELAY_MS * (n + 1),
				);
				this.timers.add(timer);
			});
		});
	}

	private async post(m: StoredMessage, index: number, recipient: string, step: Step): Promise<void> {
		if (!this.target) return;
		const timestamp = String(Date.now());
		const signature = createHmac("sha256", this.key).update(timestamp).digest("hex");
		let answered = 0;
		try {
			const response = await fetch(`${this.target}/v1/events/engagelab`, {
				method: "POST",
				headers: {
					"content-type": "application/json; charset=utf-8",
					"x-webhook-timestamp": timestamp,
					"x-webhook-appkey": "email",
					"x-webhook-signature": signature,
				},
				body: JSON.stringify(callbackBody(m, index, recipient, step)),
			});
			answered = response.status;
			await response.body?.cancel();
		} catch {
			// The worker is restarting: shown as 0.
		}
		this.activity.add({
			kind: "callback",
			relayId: m.relayId,
			recipient,
			event: step.value,
			at: new Date().toISOString(),
			answered,
		});
	}

	stop(): void {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}
}
