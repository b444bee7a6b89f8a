/**
 * The seam between records and delivery events for the routes: once a
 * record is written, attach the provider events that came first and send
 * its webhooks (events/record-written.ts), in the background.
 */
import type { Context } from "hono";
import { recordWritten, webhooksOn } from "../events/record-written";
import { background } from "./background";
import type { AppEnv } from "./types";

export function afterRecordsWritten(c: Context<AppEnv>, refs: Iterable<string>): void {
	const db = c.env.DB;
	if (!db) return;
	const on = webhooksOn(c.get("config").events);
	const list = [...refs];
	background(
		c,
		(async () => {
			for (const ref of list) await recordWritten(db, c.env.SEND_QUEUE, on, ref, Date.now());
		})(),
	);
}
