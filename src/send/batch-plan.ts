/**
 * How a batch is spread over SMTP sessions. Each label needs its own session
 * (the label rides on the AUTH user), and a Worker invocation may hold at most
 * six connections. Slots left over go to the biggest groups, split into
 * contiguous runs of at least MIN_PER_SESSION messages: on a warm session a
 * message costs two round trips, a new session about five, so a split only
 * pays off for a long run.
 */

/** Workers allow six simultaneous open connections per invocation. */
export const MAX_SESSIONS = 6;
export const MIN_PER_SESSION = 10;

export interface SessionPlan<T> {
	label: string | undefined;
	items: T[];
}

/** Splits `items` into `parts` contiguous runs of near-equal length. */
function split<T>(items: T[], parts: number): T[][] {
	const out: T[][] = [];
	let start = 0;
	for (let i = 0; i < parts; i++) {
		const end = start + Math.ceil((items.length - start) / (parts - i));
		out.push(items.slice(start, end));
		start = end;
	}
	return out;
}

/** Groups by label (first appearance order), then gives spare session slots to the largest groups. */
export function planSessions<T>(
	items: readonly T[],
	labelOf: (item: T) => string | undefined,
	maxSessions = MAX_SESSIONS,
	minPerSession = MIN_PER_SESSION,
): SessionPlan<T>[] {
	const groups = new Map<string | undefined, T[]>();
	for (const item of items) {
		const label = labelOf(item);
		const group = groups.get(label);
		if (group) group.push(item);
		else groups.set(label, [item]);
	}
	const entries = [...groups];
	const sessions = entries.map(() => 1);
	for (let total = entries.length; total < maxSessions; total++) {
		let best = -1;
		let bestLoad = 0;
		entries.forEach(([, group], i) => {
			const load = group.length / (sessions[i] + 1);
			if (load >= minPerSession && load > bestLoad) {
				best = i;
				bestLoad = load;
			}
		});
		if (best < 0) break;
		sessions[best]++;
	}
	return entries.flatMap(([label, group], i) => split(group, sessions[i]).map((part) => ({ label, items: part })));
}

/** Runs `tasks` with at most `width` at a time. */
export async function runPooled(tasks: (() => Promise<void>)[], width = MAX_SESSIONS): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < tasks.length) await tasks[next++]();
	};
	await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
}
