/**
 * Recovery after the whole Worker is killed, shown the way a user would see
 * it (`npm run test:recovery`; issue 20's "Numbers to reach"): edgesend under
 * `wrangler dev` on a fresh `--persist-to` state, a counting relay and a
 * webhook receiver; N async sends and a few scheduled a minute ahead; while
 * they drain at a low rate limit, wrangler's whole process group is
 * SIGKILLed at the moment a message reaches the relay (every invocation in
 * flight gone, and the queue's undelivered jobs with them), then started
 * again on the same state with nothing resent. Every accepted message must
 * be final within 10 minutes of the restart, have reached each recipient at
 * most once (exactly once unless it ended `unknown`, which only a claim the
 * kill cut short may, or `failed`), and have exactly one webhook for its
 * final status (a scheduled one also one `message.scheduled`). Prints a
 * line per check and the figures; exits non-zero on any failure.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs, stripVTControlCharacters } from "node:util";
import { ActivityLog } from "../../dev/activity.ts";
import { startEventReceiver } from "../../dev/event-receiver.ts";
import { DEV_SMTP_PASS, DEV_SMTP_USER } from "../../dev/settings.ts";
import type { WranglerDev } from "../../dev/wrangler.ts";
import { assert, check, failOutsideChecks, poll, tally } from "../e2e/check.ts";
import { type Accepted, type Api, type ListedRecord, listAll, sendAsync } from "./api.ts";
import { startRelayTally } from "./relay-tally.ts";
import {
	duplicates,
	early,
	missing,
	notFinal,
	type Observed,
	unexplainedUnknowns,
	type WebhookSeen,
	webhookProblems,
} from "./verdicts.ts";
import { startWorker, type WorkerSetup } from "./worker.ts";

const { values: flags } = parseArgs({
	options: {
		messages: { type: "string", default: "300" },
		scheduled: { type: "string", default: "5" },
		"per-minute": { type: "string", default: "120" },
	},
});
const MESSAGES = Number(flags.messages);
const SCHEDULED = Number(flags.scheduled);
const PER_MINUTE = Number(flags["per-minute"]);
if (![MESSAGES, SCHEDULED + 1, PER_MINUTE].every((n) => Number.isInteger(n) && n > 0)) {
	console.error(
		"npm run test:recovery [--messages=N] [--scheduled=N] [--per-minute=N]: whole numbers (--scheduled may be 0)",
	);
	process.exit(2);
}
/**
 * The kill comes at the first arrival once this many have arrived and every
 * send was accepted: halfway through the second minute's permits, while a
 * batch is being delivered (the first minute's all came at once, during the
 * sends), with most of the drain still to go.
 */
const KILL_AFTER = Math.min(Math.ceil(PER_MINUTE * 1.5), Math.floor(MESSAGES * 0.6));
const SCHEDULE_AHEAD_MS = 60_000;
const RECOVERY_DEADLINE_MS = 10 * 60_000;
/** After the last record is final, how long its webhooks may take (a lost job is re-queued by the sweep in 3 min). */
const WEBHOOK_GRACE_MS = 5 * 60_000;
const SENDERS = 8;
const API_KEY = "edgesend-recovery-key";
const RECIPIENTS = (i: number) => [`amy.${i}@example.com`, `ben.${i}@example.com`];

const root = fileURLToPath(new URL("../..", import.meta.url));
const artifacts = join(root, "test", ".artifacts");
mkdirSync(artifacts, { recursive: true });
const logPath = join(artifacts, "recovery-wrangler.log");
const log = createWriteStream(logPath);
const work = mkdtempSync(join(tmpdir(), "edgesend-recovery-"));
const envFile = join(work, "empty.vars");
writeFileSync(envFile, "");

/** What the sweep lines of the restarted worker add up to. */
const sweeps = { lines: 0, requeued: 0, expired: 0 };
let restarted = false;
const onWorkerLine = (line: string) => {
	const plain = stripVTControlCharacters(line);
	log.write(`${plain}\n`);
	const sweep = /\{.*"msg":"sweep".*\}/.exec(plain)?.[0];
	if (!sweep || !restarted) return;
	const { requeued = 0, expired = 0 } = JSON.parse(sweep) as { requeued?: number; expired?: number };
	sweeps.lines++;
	sweeps.requeued += requeued;
	sweeps.expired += expired;
};

let worker: WranglerDev | undefined;
// Ctrl-C: wrangler runs in its own process group, which would outlive us.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		void worker?.kill().finally(() => process.exit(130));
	});
}

const relay = await startRelayTally({ user: DEV_SMTP_USER, pass: DEV_SMTP_PASS }, PER_MINUTE);
// npm run dev's receiver: each event verified with standardwebhooks; all of them kept here.
const activity = new ActivityLog();
const webhooks: WebhookSeen[] = [];
activity.on("change", (entry) => entry.kind === "webhook" && webhooks.push(entry));
const receiver = await startEventReceiver(activity);
const setup: WorkerSetup = {
	root,
	state: join(work, "state"),
	envFile,
	logDir: join(work, "logs"),
	relay: { port: relay.relay.port, user: DEV_SMTP_USER, pass: DEV_SMTP_PASS },
	webhook: { url: receiver.url, secret: receiver.secret },
	apiKey: API_KEY,
	perMinute: PER_MINUTE,
	log: onWorkerLine,
	spawned: (dev) => {
		worker = dev;
	},
};
const figures: Record<string, string | number> = {};
const startedAt = Date.now();
try {
	console.log(
		`recovery: ${MESSAGES} async sends (2 recipients each) + ${SCHEDULED} scheduled, ${PER_MINUTE}/min; ` +
			`wrangler dev killed at an arrival past ${KILL_AFTER}`,
	);
	const first = await check("wrangler dev starts on a fresh --persist-to state", () => startWorker(setup));
	const api: Api = { url: first.url, apiKey: API_KEY };
	const accepted = await check(`${MESSAGES} async sends and ${SCHEDULED} scheduled a minute ahead answer 202`, () =>
		acceptAll(api),
	);
	figures.accepted = accepted.length;

	const kill = await check(
		"wrangler dev's whole process group is SIGKILLed as a message reaches the relay",
		async () => {
			const { at, groupGone } = await killAtArrival(first);
			assert(groupGone, "a process of wrangler's group (workerd) outlived the SIGKILL");
			const arrived = relay.relay.messages.length;
			const answers = await fetch(`${first.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
				() => true,
				() => false,
			);
			assert(!answers, `${first.url} still answers after the kill`);
			assert(arrived < accepted.length, `the drain was over (${arrived} of ${accepted.length}) before the kill`);
			console.log(
				`        killed at arrival #${arrived} of ${accepted.length}, ${((at - startedAt) / 1000).toFixed(0)} s in`,
			);
			return { at, arrived };
		},
	);
	figures["arrived before the kill"] = kill.arrived;
	worker = undefined;

	await sleep(3000);
	const restartAt = Date.now();
	restarted = true;
	const second = await check("wrangler dev restarts on the same state (nothing resent)", () => startWorker(setup));
	const api2: Api = { url: second.url, apiKey: API_KEY };
	const inFlight = await check("the restarted worker lists every accepted record and no other", async () => {
		const sending = await listAll(api2, "sending");
		const listed = new Map((await listAll(api2)).map((r) => [r.ref, r]));
		const lost = accepted.filter((a) => !listed.has(a.ref));
		assert(lost.length === 0, `${lost.length} accepted records are gone, the first ${lost[0]?.ref}`);
		assert(listed.size === accepted.length, `${listed.size} records listed for ${accepted.length} accepted sends`);
		console.log(`        at the restart: ${JSON.stringify(countBy([...listed.values()]))}`);
		return new Set(sending.map((r) => r.ref));
	});
	figures["in flight at the kill (sending at the restart)"] = inFlight.size;

	const observed: Observed = {
		accepted,
		records: new Map(),
		arrivals: relay.arrivals,
		inFlightAtRestart: inFlight,
		webhooks,
	};
	await check("every accepted message is final within 10 minutes of the restart", async () => {
		let lastLog = Date.now();
		for (;;) {
			observed.records = new Map((await listAll(api2)).map((r) => [r.ref, r]));
			const open = notFinal(observed);
			if (open.length === 0) break;
			if (Date.now() - lastLog > 30_000) {
				lastLog = Date.now();
				console.log(
					`        ${secondsSince(restartAt)} s after the restart: ${JSON.stringify(countBy([...observed.records.values()]))}`,
				);
			}
			assert(Date.now() - restartAt < RECOVERY_DEADLINE_MS, `${open.length} still open, the first: ${open[0]}`);
			await sleep(3000);
		}
		figures["all final after the restart (s, polled every 3 s)"] = secondsSince(restartAt);
	});
	const counts = countBy([...observed.records.values()].filter((r) => accepted.some((a) => a.ref === r.ref)));
	figures.delivered = counts.sent ?? 0;
	figures.unknown = counts.unknown ?? 0;
	const atRelay = new Set(relay.arrivals.map((a) => a.messageId));
	figures["unknown that the relay has"] = accepted.filter(
		(a) => observed.records.get(a.ref)?.status === "unknown" && atRelay.has(a.messageId),
	).length;
	figures.failed = counts.failed ?? 0;
	const afterRestart = relay.arrivals.filter((a) => a.at >= restartAt);
	figures["arrivals (per recipient) after the restart"] = afterRestart.length;
	if (afterRestart.length) {
		figures["last arrival after the restart (s)"] = Math.round(
			(Math.max(...afterRestart.map((a) => a.at)) - restartAt) / 1000,
		);
	}

	// What was seen, judged: each failure is printed and counted, and the other checks still run.
	await verdict("each message reached each recipient at most once", () => duplicates(observed));
	await verdict("each reached every recipient exactly once unless it ended unknown or failed", () => missing(observed));
	await verdict("only messages in flight at the kill ended unknown", () => unexplainedUnknowns(observed));
	await verdict("no scheduled message reached the relay before its sendAt", () => early(observed));
	await check(
		"each final record has one webhook id for its status (and one message.scheduled if scheduled), all signed",
		async () => {
			const lastFinal = Date.now();
			await poll(
				async () => (webhookProblems(observed).length === 0 ? true : undefined),
				{ attempts: WEBHOOK_GRACE_MS / 3000, everyMs: 3000 },
				() => webhookProblems(observed).slice(0, 5).join("; "),
			);
			figures["webhooks complete after the last final record (s)"] = secondsSince(lastFinal);
		},
	);
} catch (error) {
	failOutsideChecks(error);
} finally {
	await worker?.stop();
	await relay.relay.close();
	await receiver.close();
	log.end();
	rmSync(work, { recursive: true, force: true });
}

figures["sweep lines after the restart (requeued, expired)"] =
	`${sweeps.lines} (${sweeps.requeued}, ${sweeps.expired})`;
figures["536 refusals at the relay"] = relay.refusals();
figures["whole run (s)"] = secondsSince(startedAt);
console.log("recovery figures:");
for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(52)} ${value}`);
if (tally.failed) console.log(`wrangler's output: ${relative(process.cwd(), logPath)}`);
console.log(`recovery: ${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed || tally.passed === 0 ? 1 : 0);

/** The sends, SENDERS at a time; the scheduled ones last. */
async function acceptAll(api: Api): Promise<Accepted[]> {
	const run = Date.now().toString(36);
	const total = MESSAGES + SCHEDULED;
	const accepted: Accepted[] = new Array(total);
	let next = 0;
	const sender = async () => {
		for (let i = next++; i < total; i = next++) {
			const sendAt = i >= MESSAGES ? new Date(Date.now() + SCHEDULE_AHEAD_MS).toISOString() : undefined;
			accepted[i] = await sendAsync(api, {
				from: "recovery@example.com",
				to: RECIPIENTS(i),
				subject: `Recovery ${run} #${i}${sendAt ? " (scheduled)" : ""}`,
				text: `Message ${i} of the recovery test.`,
				...(sendAt ? { sendAt } : {}),
			});
		}
	};
	await Promise.all(Array.from({ length: SENDERS }, sender));
	return accepted;
}

/** SIGKILLs the worker's process group at the first arrival once KILL_AFTER have arrived; answers when. */
function killAtArrival(target: WranglerDev): Promise<{ at: number; groupGone: boolean }> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error("the relay never got that far")), 10 * 60_000);
		relay.onArrival = (count) => {
			if (count < KILL_AFTER) return;
			relay.onArrival = undefined;
			clearTimeout(timer);
			const at = Date.now();
			// Sent before the relay answers 250: the worker never hears that this one arrived.
			void target.kill().then((groupGone) => resolve({ at, groupGone }), reject);
		};
	});
}

async function verdict(name: string, problems: () => string[]): Promise<void> {
	await check(name, async () => {
		const found = problems();
		assert(found.length === 0, `${found.length}: ${found.slice(0, 5).join("; ")}`);
	}).catch(() => {}); // printed and counted by check()
}

function countBy(records: ListedRecord[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
	return counts;
}

function secondsSince(at: number): number {
	return Math.round((Date.now() - at) / 1000);
}
