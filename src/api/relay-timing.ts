/**
 * How an answer reached the relay, told to the HTTP caller and the log:
 * `Server-Timing: relay;dur=…;desc="warm"|"new"|"fallback"` and the log
 * line's `relay` field, from the send path's delivery report ("fallback": a
 * message went by the second route).
 */
import type { RelayUse } from "../send/delivery";
import type { LogFields } from "./types";

/** Marks an answer that reached the relay (nothing when none of its messages did). */
export function observeRelay(report: { relay?: RelayUse }, response: Response, log: LogFields): Response {
	if (!report.relay) return response;
	const how = report.relay.fallback ? "fallback" : report.relay.warm ? "warm" : "new";
	response.headers.set("Server-Timing", `relay;dur=${report.relay.ms};desc="${how}"`);
	log.relay = how;
	return response;
}
