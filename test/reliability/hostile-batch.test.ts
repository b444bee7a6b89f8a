/**
 * The message-level cases of the hostile-input corpus, packed into
 * POST /v1/batch requests: each hostile item is answered with its own problem
 * naming the field while its neighbours still go; every legitimate item
 * arrives exactly once, equal to its input, over sessions carrying exactly
 * the transactions asked for (batches pipeline their transactions, so a
 * message whose data ended early would show as an extra command).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { expectCleanSession, expectDeliveredAsInput, refusalSummary } from "./hostile/check";
import { type HostileCase, hostileCases, type Message } from "./hostile/index";
import { baseMessage } from "./hostile/types";
import { type ProblemBody, postJson, relaySettings, type SentBody } from "./support/api";

type Result = (SentBody & { status: 200; warnings: { code: string; path: string }[] }) | ProblemBody;

/** Leaves room for the two good messages around each chunk. */
const CHUNK = 98;

let relay: RelayHandle;
beforeAll(async () => {
	relay = await startRelay({ security: "none" });
});
afterAll(async () => {
	await relay.stop();
});

const messageCases = hostileCases.filter((c) => c.message);
const refusals = messageCases.filter((c) => "reject" in c.expect);
const deliveries = messageCases.filter((c) => "deliver" in c.expect);

/** Cases that need the same settings go in the same batches. */
function groupsOf(cases: HostileCase[]): { overrides: HostileCase["overrides"]; cases: HostileCase[] }[] {
	const groups = new Map<string, HostileCase[]>();
	for (const c of cases) {
		const key = JSON.stringify(c.overrides ?? {});
		groups.set(key, [...(groups.get(key) ?? []), c]);
	}
	return [...groups.entries()].map(([key, list]) => ({ overrides: JSON.parse(key), cases: list }));
}

async function postBatch(messages: Message[], overrides: HostileCase["overrides"] = {}): Promise<Result[]> {
	const response = await postJson("/v1/batch", { messages }, relaySettings(relay.port, "none", overrides));
	expect(response.status, await response.clone().text()).toBe(200);
	const { results } = (await response.json()) as { results: Result[] };
	expect(results).toHaveLength(messages.length);
	return results;
}

describe("hostile input inside batches", () => {
	for (const group of groupsOf(refusals)) {
		for (let start = 0; start < group.cases.length; start += CHUNK) {
			const chunk = group.cases.slice(start, start + CHUNK);
			it(`${chunk.length} hostile items between two good ones (${chunk[0].name} …)`, async () => {
				await relay.reset();
				const good = { ...baseMessage(), subject: `good neighbour ${crypto.randomUUID()}` };
				const results = await postBatch([good, ...chunk.map((c) => c.message as Message), good], group.overrides);
				const expected = chunk.map((c) => ({ name: c.name, ...("reject" in c.expect ? c.expect.reject : {}) }));
				const answered = chunk.map((c, i) => {
					const result = results[i + 1] as ProblemBody;
					const wanted = "reject" in c.expect ? c.expect.reject : { status: 400, code: "" };
					return { name: c.name, ...refusalSummary(result, result.status, wanted, `messages[${i + 1}].`) };
				});
				expect(answered).toEqual(expected);
				expect([results[0].status, results.at(-1)?.status]).toEqual([200, 200]);
				const record = await relay.record();
				expect(record.messages).toHaveLength(2);
				for (const message of record.messages) expect(await expectDeliveredAsInput(message, good)).toBeTruthy();
			});
		}
	}

	it(`${deliveries.length} legitimate but SMTP-like items, each delivered once and intact`, async () => {
		await relay.reset();
		// A header of our own tells the parsed messages apart; the comparison includes it.
		const inputs = deliveries.map((c, i) => {
			const message = c.message as Message;
			return { ...message, headers: { ...((message.headers ?? {}) as Record<string, string>), "X-Case": String(i) } };
		});
		const results = await postBatch(inputs);
		const record = await relay.record();
		expect(results.map((r) => r.status)).toEqual(inputs.map(() => 200));
		expect(record.messages).toHaveLength(inputs.length);
		for (const message of record.messages) {
			const index = Number(/^X-Case: (\d+)\r$/m.exec(message.data)?.[1]);
			const result = results[index] as SentBody;
			expect(result.id).toBe(message.queueId);
			await expectDeliveredAsInput(message, inputs[index]);
		}
		for (const [i, c] of deliveries.entries()) {
			if (!("deliver" in c.expect)) throw new Error("not a delivery");
			const warnings = (results[i] as { warnings: { code: string; path: string }[] }).warnings;
			expect(warnings.map(({ code, path }) => ({ code, path }))).toEqual(c.expect.deliver.warnings ?? []);
		}
		for (const connection of record.connections) {
			const carried = record.messages.filter((m) => m.connectionId === connection.id).length;
			expectCleanSession(connection, carried);
		}
	});
});
