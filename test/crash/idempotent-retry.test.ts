/**
 * The crash test of an idempotent async retry: an async batch of two with an
 * Idempotency-Key, sent again with the same key by a client that got no
 * answer or a 5xx (and, told the first is still in flight, waits out its
 * lease first). Whatever call of either attempt's life fails or dies
 * (support/points.ts), the messages the first attempt may have queued are
 * the ones the retry names, each delivered once.
 */

import { expect, it } from "vitest";
import { LEASE_MS } from "../../src/limit";
import { message } from "../api/support";
import type { Told } from "./support/checks";
import { ASYNC, post, toldByBatch } from "./support/client";
import { crashEveryPoint } from "./support/points";

const COUNT = 2;
const TRIES = 4;

it("an idempotent async retry keeps its promises whatever call fails or dies", async () => {
	const body = { messages: Array.from({ length: COUNT }, (_, i) => message(String(i))) };
	const report = await crashEveryPoint({
		name: "idempotent retry",
		client: async (run) => {
			const headers = { ...ASYNC, "Idempotency-Key": `crash-${run.user}` };
			let told: Told[] = [];
			for (let tries = 0; tries < TRIES; tries++) {
				const answer = await post(run, "/v1/batch", body, headers);
				told = toldByBatch(answer, COUNT);
				if (answer !== "abandoned" && answer.status === 409) await run.wait(LEASE_MS);
				else if (answer !== "abandoned" && answer.status < 500) return told;
			}
			return told;
		},
	});
	expect(report.problems).toEqual([]);
	expect(report.points).toBeGreaterThanOrEqual(3 * report.calls + 3 * report.relayed);
}, 600_000);
