/** How a batch is spread over SMTP sessions (a pure function: no relay needed). */
import { describe, expect, it } from "vitest";
import { MAX_SESSIONS, planSessions, runPooled } from "../../src/send/batch-plan";

const items = (label: string | undefined, n: number, from = 0) =>
	Array.from({ length: n }, (_, i) => ({ label, n: from + i }));
const shape = (plan: { label: string | undefined; items: unknown[] }[]) => plan.map((p) => [p.label, p.items.length]);

describe("planSessions", () => {
	it("gives each label its own session, in order of first appearance", () => {
		const input = [...items("1", 3), ...items(undefined, 2), ...items("1", 1, 3)];
		const plan = planSessions(input, (i) => i.label);
		expect(shape(plan)).toEqual([
			["1", 4],
			[undefined, 2],
		]);
		expect(plan[0].items.map((i) => i.n)).toEqual([0, 1, 2, 3]);
	});

	it("spreads long runs of one label over the spare slots, never past six sessions", () => {
		expect(shape(planSessions(items("9", 100), (i) => i.label))).toEqual([
			["9", 17],
			["9", 17],
			["9", 17],
			["9", 17],
			["9", 16],
			["9", 16],
		]);
		const three = planSessions([...items("1", 34), ...items("2", 33), ...items("3", 33)], (i) => i.label);
		expect(three).toHaveLength(MAX_SESSIONS);
		expect(new Set(three.map((p) => p.label))).toEqual(new Set(["1", "2", "3"]));
		expect(three.flatMap((p) => p.items).length).toBe(100);
	});

	it("does not split short runs, and keeps one session per label beyond six labels", () => {
		expect(shape(planSessions(items("1", 19), (i) => i.label))).toEqual([["1", 19]]);
		const many = Array.from({ length: 8 }, (_, k) => items(String(k), 30)).flat();
		expect(planSessions(many, (i) => i.label)).toHaveLength(8);
	});
});

describe("runPooled", () => {
	it("never runs more than `width` tasks at once, and runs them all", async () => {
		let running = 0;
		let peak = 0;
		const done: number[] = [];
		const tasks = Array.from({ length: 9 }, (_, i) => async () => {
			running++;
			peak = Math.max(peak, running);
			await new Promise((resolve) => setTimeout(resolve, 1));
			done.push(i);
			running--;
		});
		await runPooled(tasks, 3);
		expect(peak).toBe(3);
		expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
	});
});
