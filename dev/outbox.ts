/**
 * The dev relay's outbox: each accepted message as `<id>.eml` (the bytes as
 * received) beside `<id>.json` (envelope, auth user, label, relay id, time,
 * and which of the local relays took it), in a folder that survives restarts. Emits "message" when one is stored.
 */
import { EventEmitter } from "node:events";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedMessage } from "../test/fixtures/provider-relay.ts";

export interface StoredMessage {
	id: string;
	relayId: string;
	receivedAt: string;
	mailFrom: string;
	rcptTo: string[];
	authUser: string | null;
	labelId: string | null;
	size: number;
	/** Which local relay took it: the primary, or the second route (DEV_FALLBACK=1). */
	route?: "primary" | "fallback";
}

const ID = /^[\w.-]+$/;

export class Outbox extends EventEmitter<{ message: [StoredMessage] }> {
	readonly dir: string;

	constructor(dir: string) {
		super();
		this.dir = dir;
		mkdirSync(dir, { recursive: true });
	}

	save(message: RecordedMessage, route: "primary" | "fallback" = "primary"): StoredMessage {
		const bytes = Buffer.from(message.data, "latin1");
		const stored: StoredMessage = {
			id: message.queueId.replace(/[^\w.-]/g, "_"),
			relayId: message.queueId,
			receivedAt: new Date(message.receivedAt).toISOString(),
			mailFrom: message.mailFrom,
			rcptTo: message.rcptTo,
			authUser: message.authUser,
			labelId: message.labelId,
			size: bytes.length,
			route,
		};
		// The sidecar is written last, via a rename: a listed message always has its .eml.
		writeFileSync(join(this.dir, `${stored.id}.eml`), bytes);
		const tmp = join(this.dir, `${stored.id}.json.tmp`);
		writeFileSync(tmp, `${JSON.stringify(stored, null, "\t")}\n`);
		renameSync(tmp, join(this.dir, `${stored.id}.json`));
		this.emit("message", stored);
		return stored;
	}

	/** Newest first. */
	list(): StoredMessage[] {
		const messages: StoredMessage[] = [];
		for (const name of readdirSync(this.dir)) {
			if (!name.endsWith(".json")) continue;
			try {
				messages.push(JSON.parse(readFileSync(join(this.dir, name), "utf8")));
			} catch {
				// A sidecar someone edited by hand: leave it out rather than fail the page.
			}
		}
		return messages.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
	}

	get(id: string): StoredMessage | undefined {
		if (!ID.test(id)) return undefined;
		try {
			return JSON.parse(readFileSync(join(this.dir, `${id}.json`), "utf8"));
		} catch {
			return undefined;
		}
	}

	raw(id: string): Buffer | undefined {
		if (!ID.test(id)) return undefined;
		try {
			return readFileSync(join(this.dir, `${id}.eml`));
		} catch {
			return undefined;
		}
	}
}
