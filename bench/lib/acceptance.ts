/**
 * Acceptance: callers posting to POST /v1/send with `Prefer: respond-async`
 * (answered 202 once queued) against the same callers posting sync sends
 * (answered 200 once the relay took the message), through one start of
 * edgesend's whole Worker with wrangler.toml's bindings, at each of a few
 * levels of concurrency; rounds take turns at going first.
 */
import { callersWave, type Wave } from "./callers.ts";
import { type DeployedApp, startDeployedApp } from "./deployed-app.ts";
import { closeLink, type Link, openLink } from "./senders.ts";
import { type Summary, summarize } from "./stats.ts";

/** The acceptance Worker's limit: the production default, so no sync send is refused. */
export const ACCEPTANCE_PER_MINUTE = 30_000;

export interface Level {
	callers: number;
	/** Sends per wave, each of sync and async. */
	sends: number;
}

export interface LevelResult extends Level {
	sync: Wave[];
	async: Wave[];
	/** Each round's 202/s over the same round's 200/s. */
	ratio: Summary;
}

export interface Acceptance {
	/** Mean size of a message as the relay received it. */
	bytes: number;
	levels: LevelResult[];
}

export interface AcceptanceOptions {
	script: string;
	oneWayMs: number;
	rounds: number;
	levels: Level[];
	body: (subject: string) => unknown;
}

export const answersPerSecond = (w: Wave) => (w.latenciesMs.length * 1000) / w.ms;

/** One wave of sync or async sends; every answer checked, every sync send found at the relay. */
async function wave(o: AcceptanceOptions, app: DeployedApp, link: Link, level: Level, async: boolean): Promise<Wave> {
	const kind = async ? "async" : "sync";
	link.relay.reset();
	const result = await callersWave(level.callers, level.sends, async (i) => {
		const { status, answer } = await app.send(o.body(`acceptance ${kind} ${i}`), async);
		if (status !== (async ? 202 : 200) || typeof (async ? answer.ref : answer.id) !== "string") {
			throw new Error(`${kind} send ${i} answered ${status}: ${JSON.stringify(answer)}`);
		}
	});
	const expected = async ? 0 : level.sends;
	if (link.relay.messages.length !== expected)
		throw new Error(`${kind}: the relay received ${link.relay.messages.length}, not ${expected}`);
	return result;
}

export async function runAcceptance(o: AcceptanceOptions): Promise<Acceptance> {
	const link = await openLink("starttls", o.oneWayMs);
	// No consumer: on the platform it runs in invocations of its own; here it would take the callers' two cores.
	const app = await startDeployedApp(o.script, { link, perMinute: ACCEPTANCE_PER_MINUTE, consumer: false });
	try {
		const widest = o.levels.reduce((a, b) => (b.callers > a.callers ? b : a));
		const warmUp = { callers: widest.callers, sends: widest.callers * 2 };
		await wave(o, app, link, warmUp, false); // opens the pool's sessions
		const bytes = link.relay.messages.reduce((sum, m) => sum + m.data.length, 0) / link.relay.messages.length;
		await wave(o, app, link, warmUp, true);
		const levels: LevelResult[] = [];
		for (const level of o.levels) {
			const sync: Wave[] = [];
			const async: Wave[] = [];
			for (let round = 0; round < o.rounds; round++) {
				for (const isAsync of round % 2 ? [true, false] : [false, true]) {
					(isAsync ? async : sync).push(await wave(o, app, link, level, isAsync));
				}
			}
			const ratio = summarize(async.map((w, round) => answersPerSecond(w) / answersPerSecond(sync[round])));
			levels.push({ ...level, sync, async, ratio });
		}
		return { bytes, levels };
	} finally {
		await app.dispose();
		await closeLink(link);
	}
}
