/**
 * The local relay's outbox as the end-to-end test reads it: straight from
 * the sidecar files on disk, so the check is of what the relay stored, not
 * of what the inbox makes of it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface StoredSidecar {
	id: string;
	relayId: string;
	rcptTo: string[];
	/** Whether its `.eml` is beside it. */
	hasEml: boolean;
}

export function storedMessages(dir: string): StoredSidecar[] {
	return readdirSync(dir)
		.filter((name) => name.endsWith(".json"))
		.map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")))
		.map((m) => ({ id: m.id, relayId: m.relayId, rcptTo: m.rcptTo, hasEml: existsSync(join(dir, `${m.id}.eml`)) }));
}
