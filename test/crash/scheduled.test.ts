/**
 * The crash test of a scheduled send (`sendAt` ten minutes ahead): its job
 * waits on the queue with its delay, and the record must still go out at its
 * time, once, whatever call of its life fails or dies (support/points.ts) —
 * a job lost on the way is the sweep's to queue again.
 */
import { expect, it } from "vitest";
import { message } from "../api/support";
import { post, toldBySend } from "./support/client";
import { crashEveryPoint } from "./support/points";

const AHEAD_MS = 10 * 60_000;

it("a scheduled send keeps its promises whatever call fails or dies", async () => {
	const report = await crashEveryPoint({
		name: "scheduled send",
		client: async (run) => {
			const sendAt = new Date(Date.now() + AHEAD_MS).toISOString();
			return [toldBySend(await post(run, "/v1/send", message("0", { sendAt })))];
		},
	});
	expect(report.problems).toEqual([]);
	expect(report.points).toBeGreaterThanOrEqual(3 * report.calls + 3 * report.relayed);
}, 600_000);
