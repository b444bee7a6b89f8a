/**
 * The crash test of an async batch of three messages (`/v1/batch`,
 * `Prefer: respond-async`): every call of their lives made to throw, and its
 * invocation killed after and before it, then every message the relay
 * received refused or dropped (support/points.ts). The three are accepted
 * side by side and delivered by one consumer batch, so a call that fails for
 * one must not cost the others theirs, nor send one twice.
 */
import { expect, it } from "vitest";
import { message } from "../api/support";
import { ASYNC, post, toldByBatch } from "./support/client";
import { crashEveryPoint } from "./support/points";

const COUNT = 3;

it("an async batch keeps its promises whatever call fails or dies", async () => {
	const messages = Array.from({ length: COUNT }, (_, i) => message(String(i)));
	const report = await crashEveryPoint({
		name: "async batch",
		client: async (run) => toldByBatch(await post(run, "/v1/batch", { messages }, ASYNC), COUNT),
	});
	expect(report.problems).toEqual([]);
	expect(report.points).toBeGreaterThanOrEqual(3 * report.calls + 3 * report.relayed);
}, 900_000);
