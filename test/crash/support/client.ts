/**
 * The client's side of the crash paths: what it makes of an answer —
 * accepted (a ref), refused (it may send again), or nothing (its request
 * died with the Worker). Its messages are test/api/support.ts's
 * `message(String(index))`: a record's subject ends with its index.
 */
import type { Told } from "./checks";
import type { Answer, CrashRun } from "./run";

export const ASYNC = { Prefer: "respond-async" };

interface Problem {
	code?: string;
	ref?: string;
}

const why = (status: number, body: unknown) => `${status} ${(body as Problem | undefined)?.code ?? ""}`.trim();

/** A single send's answer as the client reads it. */
export function toldBySend(answer: Answer): Told {
	if (answer === "abandoned") return { kind: "unknown" };
	const body = answer.body as Problem;
	if (answer.status === 202 && body.ref) return { kind: "accepted", ref: body.ref };
	return { kind: "refused", why: why(answer.status, body) };
}

/** A batch's answer, item by item (`count` messages). */
export function toldByBatch(answer: Answer, count: number): Told[] {
	if (answer === "abandoned") return Array.from({ length: count }, () => ({ kind: "unknown" }));
	const results = (answer.body as { results?: (Problem & { status?: number })[] }).results;
	if (answer.status !== 202 || !results) {
		return Array.from({ length: count }, () => ({ kind: "refused", why: why(answer.status, answer.body) }));
	}
	return results.map(
		(item): Told =>
			item.ref ? { kind: "accepted", ref: item.ref } : { kind: "refused", why: why(item.status ?? 0, item) },
	);
}

/** POSTs `body` as the run's client. */
export const post = (run: CrashRun, path: string, body: unknown, headers: Record<string, string> = {}) =>
	run.request(path, { method: "POST", headers: { ...run.auth, ...headers }, body: JSON.stringify(body) });
