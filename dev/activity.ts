/**
 * What the dev inbox shows beside the mail: the provider callbacks the local
 * relay sent to the worker (and how the worker answered), and the signed
 * webhooks the worker sent out (and whether they verified). In memory, for
 * this run; emits "change" so the page can update live.
 */
import { EventEmitter } from "node:events";

export interface SentCallback {
	kind: "callback";
	relayId: string;
	recipient: string;
	event: string;
	at: string;
	/** The worker's HTTP status, or 0 when it could not be reached. */
	answered: number;
}

export interface ReceivedWebhook {
	kind: "webhook";
	webhookId: string;
	type: string;
	/** The record it is about (null for a provider event no record claimed). */
	ref: string | null;
	relayId: string | null;
	to: string | null;
	detail: string | null;
	at: string;
	verified: boolean;
	/** Why verification failed. */
	error?: string;
}

export type Activity = SentCallback | ReceivedWebhook;

export class ActivityLog extends EventEmitter<{ change: [Activity] }> {
	readonly entries: Activity[] = [];

	add(entry: Activity): void {
		this.entries.push(entry);
		// A dev session runs for hours: keep the last thousand.
		if (this.entries.length > 1000) this.entries.splice(0, this.entries.length - 1000);
		this.emit("change", entry);
	}
}
