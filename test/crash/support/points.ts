/**
 * Every crash point of one path, in turn: the path once with no fault (its
 * calls, in order, are the points; it must keep every promise itself), then
 * once per call × fault kind (calls.ts), then once per message the relay
 * received × the relay's three ways of failing (refusing before, dropping
 * before, dropping after the final dot: a real server misbehaving, never a
 * mocked socket). Each run is drained and checked (checks.ts); what breaks a
 * promise is reported with the point that broke it.
 */
import type { MessageRecord } from "../../../src/store/types";
import type { FaultAction, FaultScript, FaultStage } from "../../helpers/faults";
import { FAULT_KINDS, type Fault, type FaultKind } from "./calls";
import { checkRun, type Ended, FINAL_BOUND_MS, isQuiet, type Told } from "./checks";
import { CrashRun } from "./run";

type Script = Omit<FaultScript, "security" | "users">;

export interface CrashPath {
	name: string;
	/** The relay's behaviour in every run of the path (e.g. a recipient refused for now). */
	script?: Script;
	/** The client: its request(s), and what it made of the answers, message by message. */
	client: (run: CrashRun) => Promise<Told[]>;
}

export interface PathReport {
	/** Crash points run (each a run with one fault that struck). */
	points: number;
	/** Calls the run with no fault made (each a point, three ways). */
	calls: number;
	/** Messages the relay received in the run with no fault (each a point, three ways). */
	relayed: number;
	problems: string[];
}

/** A message's index from its subject (`… <index>`), as the paths name them. */
export const indexOf = (record: MessageRecord): number => Number(/(\d+)$/.exec(record.subject)?.[1] ?? -1);

/** How often a run is tried again when its path did not reach the call to fault (a batch's shards are random). */
const TRIES = 3;

async function runOnce(path: CrashPath, script: Script, fault?: Fault, baseline?: ReadonlyMap<number, number>) {
	const run = new CrashRun(script, fault);
	await run.start();
	try {
		const told = await path.client(run);
		await run.drain(() => isQuiet(run));
		const outcome = await checkRun(run, told, indexOf, baseline);
		return { run, told, ...outcome };
	} catch (error) {
		return {
			run,
			told: [],
			problems: [`the run failed: ${String(error)}`],
			ended: [],
			arrivals: 0,
			mails: 0,
			unmatched: 0,
		};
	} finally {
		await run.stop();
	}
}

/** With no fault, every message is accepted, sent, and reported delivered by the provider. */
function unfinished(told: Told[], ended: Ended[]): string[] {
	const problems = told.flatMap((t, i) =>
		t.kind === "accepted" ? [] : [`message ${i} was not accepted: ${JSON.stringify(t)}`],
	);
	if (!told.length) problems.push("the client sent nothing");
	for (const e of ended)
		if (e.record.status !== "delivered") problems.push(`message ${e.index} ended ${e.record.status}`);
	return problems;
}

/** The relay's script with its `n`-th message (from 1, over all connections) failing `kind`'s way. */
function relayFault(base: Script, kind: FaultKind, n: number): Script {
	const nth = (action: FaultAction) => [...Array<null>(n - 1).fill(null), action];
	const at: Partial<Record<FaultStage, (FaultAction | null)[]>> =
		kind === "throw"
			? { mail: nth({ reply: "451 4.3.0 Try again later" }) }
			: kind === "abandon-before"
				? { mail: nth({ drop: true }) }
				: { message: nth({ drop: true }) };
	return { ...base, at: { ...base.at, ...at } };
}

/** How the crash runs' records ended, and the slowest past the run with no fault. */
class Tally {
	readonly #statuses = new Map<string, number>();
	#slowestMs = 0;
	#unmatched = 0;

	add(outcome: { ended: Ended[]; unmatched: number }, baseline: ReadonlyMap<number, number>): void {
		this.#unmatched += outcome.unmatched;
		for (const e of outcome.ended) {
			this.#statuses.set(e.record.status, (this.#statuses.get(e.record.status) ?? 0) + 1);
			this.#slowestMs = Math.max(this.#slowestMs, e.tookMs - (baseline.get(e.index) ?? 0));
		}
	}

	toString(): string {
		const statuses = [...this.#statuses].map(([status, n]) => `${status} ${n}`).join(", ");
		return `records ended ${statuses}; ${this.#unmatched} delivered events went out with ref null; the slowest ${(this.#slowestMs / 60_000).toFixed(1)} min past the run with no fault (bound ${FINAL_BOUND_MS / 60_000} min)`;
	}
}

export async function crashEveryPoint(path: CrashPath): Promise<PathReport> {
	const base = path.script ?? {};
	const happy = await runOnce(path, base);
	const problems = [...happy.problems, ...unfinished(happy.told, happy.ended)].map(
		(p) => `${path.name}, no fault: ${p}`,
	);
	console.info(`${path.name}: calls with no fault: ${happy.run.log.calls.map((c) => c.site).join(", ")}`);
	const baseline = new Map(happy.ended.map((e) => [e.index, e.tookMs]));
	const tally = new Tally();
	const seen = new Map<string, number>();
	const faults: Fault[] = [];
	for (const { site } of happy.run.log.calls) {
		const occurrence = (seen.get(site) ?? 0) + 1;
		seen.set(site, occurrence);
		for (const kind of FAULT_KINDS) faults.push({ kind, site, occurrence });
	}
	let points = 0;
	for (const fault of faults) {
		const name = `${path.name}, ${fault.kind} at ${fault.site} #${fault.occurrence}`;
		let outcome = await runOnce(path, base, fault, baseline);
		for (let tries = 1; !outcome.run.log.fired && tries < TRIES; tries++) {
			outcome = await runOnce(path, base, fault, baseline);
		}
		if (!outcome.run.log.fired) problems.push(`${name}: never reached in ${TRIES} runs`);
		else points++;
		tally.add(outcome, baseline);
		problems.push(...outcome.problems.map((p) => `${name}: ${p}`));
	}
	for (let n = 1; n <= happy.arrivals; n++) {
		for (const kind of FAULT_KINDS) {
			const name = `${path.name}, relay ${kind} at message ${n}`;
			const outcome = await runOnce(path, relayFault(base, kind, n), undefined, baseline);
			// The n-th MAIL (refused or dropped) or the n-th final dot (dropped after) happened: the fault struck.
			const struck = kind === "abandon-after" ? outcome.arrivals >= n : outcome.mails >= n;
			if (struck) points++;
			else problems.push(`${name}: never reached`);
			tally.add(outcome, baseline);
			problems.push(...outcome.problems.map((p) => `${name}: ${p}`));
		}
	}
	const report = { points, calls: happy.run.log.calls.length, relayed: happy.arrivals, problems };
	console.info(
		`${path.name}: crash points: ${points} (${report.calls} calls × ${FAULT_KINDS.join("/")} + ${report.relayed} relayed messages × refuse/drop-before/drop-after); ${tally}`,
	);
	return report;
}
