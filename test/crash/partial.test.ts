/**
 * The crash test of a partial 4xx: an async send to two recipients whose
 * second is refused for now (451 at its RCPT, from the run's fault relay), so
 * the first attempt reaches ben and a second one, after the backoff, reaches
 * amy only. Whatever call of that life fails or dies (support/points.ts),
 * neither may receive it twice and both must receive it unless it ended
 * failed or unknown.
 */
import { expect, it } from "vitest";
import { message } from "../api/support";
import { ASYNC, post, toldBySend } from "./support/client";
import { crashEveryPoint } from "./support/points";

it("a send refused for now for one recipient keeps its promises whatever call fails or dies", async () => {
	const report = await crashEveryPoint({
		name: "partial 4xx",
		// Over all connections: the second RCPT the relay sees is refused for now, every other one taken.
		script: { at: { rcpt: [null, { reply: "451 4.2.1 Mailbox busy, try again later" }] } },
		client: async (run) => [
			toldBySend(await post(run, "/v1/send", message("0", { to: ["ben@example.com", "amy@example.com"] }), ASYNC)),
		],
	});
	expect(report.problems).toEqual([]);
	expect(report.points).toBeGreaterThanOrEqual(3 * report.calls + 3 * report.relayed);
}, 600_000);
