/**
 * `npm run dev`: the local relay and its inbox (unless `.dev.vars` names a
 * real relay), then `wrangler dev` pointed at it; prints where everything is
 * and a curl to try; Ctrl-C stops all of it.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProviderRelay } from "../test/fixtures/provider-relay.ts";
import { ActivityLog } from "./activity.ts";
import { banner } from "./banner.ts";
import { CallbackSimulator, DEV_ENGAGELAB_KEY } from "./callbacks.ts";
import { type EventReceiver, startEventReceiver } from "./event-receiver.ts";
import { WorkerRecords } from "./inbox/records.ts";
import { type Inbox, startInbox } from "./inbox/server.ts";
import { Outbox } from "./outbox.ts";
import { startDevRelay } from "./relay.ts";
import {
	DEV_API_KEY,
	DEV_SMTP_PASS,
	DEV_SMTP_USER,
	eventVars,
	fallbackWorkerVars,
	loadSettings,
	localWorkerVars,
} from "./settings.ts";
import { readinessProbe, startWrangler, type WranglerDev, waitForWorker } from "./wrangler.ts";
import { WranglerOutput } from "./wrangler-output.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const settings = (() => {
	try {
		return loadSettings(root);
	} catch (error) {
		console.error(`npm run dev: ${error instanceof Error ? error.message : error}`);
		process.exit(1);
	}
})();

let relay: ProviderRelay | undefined;
let fallbackRelay: ProviderRelay | undefined;
let inbox: Inbox | undefined;
let worker: WranglerDev | undefined;
let receiver: EventReceiver | undefined;
let callbacks: CallbackSimulator | undefined;
let records: WorkerRecords | undefined;
const activity = new ActivityLog();
const wranglerOutput = new WranglerOutput();
const probe = readinessProbe();
wranglerOutput.keepOut(probe);
let stopping = false;

async function stop(code: number) {
	if (stopping) return;
	stopping = true;
	console.log("Stopping the worker, the relay and the inbox…");
	callbacks?.stop();
	records?.close();
	await worker?.stop();
	await receiver?.close();
	await inbox?.close();
	await relay?.close();
	await fallbackRelay?.close();
	process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
	let vars: Record<string, string> = {};
	let childEnv: Record<string, string> = {};
	// Paths inside the project, relative to it; others in full.
	const shown = (path: string) => (path.startsWith(root) ? relative(root, path) : path);
	const varsName = shown(settings.varsFile);
	let relayLine = `${settings.realHost}, from ${varsName}`;
	if (settings.localRelay) {
		const outbox = new Outbox(join(settings.devDir, "outbox"));
		relay = await startDevRelay({
			user: DEV_SMTP_USER,
			pass: DEV_SMTP_PASS,
			perMinute: settings.relayPerMinute,
			outbox,
		});
		if (settings.fallback) {
			fallbackRelay = await startDevRelay({
				user: DEV_SMTP_USER,
				pass: DEV_SMTP_PASS,
				perMinute: settings.relayPerMinute,
				outbox,
				route: "fallback",
			});
		}
		const primary = relay;
		records = new WorkerRecords();
		wranglerOutput.keepOut(records.quiet);
		inbox = await startInbox(
			outbox,
			activity,
			records,
			fallbackRelay ? { set: (mode) => primary.setMode(mode), mode: () => primary.mode } : undefined,
		);
		callbacks = new CallbackSimulator(DEV_ENGAGELAB_KEY, activity);
		const simulator = callbacks;
		outbox.on("message", (m) => simulator.accepted(m));
		outbox.on("message", (m) => {
			const label = m.labelId ? ` label ${m.labelId}` : "";
			const second = m.route === "fallback" ? " (second route)" : "";
			console.log(`relay    │ queued ${m.relayId}${second}: ${m.mailFrom} → ${m.rcptTo.join(", ")}${label}`);
		});
		vars = localWorkerVars(settings, relay.port);
		if (fallbackRelay) vars = { ...vars, ...fallbackWorkerVars(settings, fallbackRelay.port) };
		// workerd trusts the TEST-ONLY CA in this mode only, and only this child sees it.
		childEnv = { SSL_CERT_FILE: join(root, "test", "fixtures", "certs", "ca.pem") };
		const limit = settings.relayPerMinute ? `${settings.relayPerMinute}/min, then 536 → 429` : "no limit";
		relayLine = `local, localhost:${relay.port} (STARTTLS; ${limit}); mail kept in ${shown(outbox.dir)}`;
		if (fallbackRelay) {
			relayLine += `\n  second   local, localhost:${fallbackRelay.port} (DEV_FALLBACK=1; take the first down from the inbox)`;
		}
	}
	if (!settings.userEventsWebhook) receiver = await startEventReceiver(activity);
	vars = { ...vars, ...eventVars(callbacks ? DEV_ENGAGELAB_KEY : undefined, receiver) };
	activity.on("change", (a) => {
		if (a.kind === "callback")
			console.log(`relay    │ callback ${a.event} for ${a.recipient} → worker answered ${a.answered}`);
		else
			console.log(
				`events   │ ${a.type} ${a.to ?? ""} (${a.verified ? "signature verified" : `NOT verified: ${a.error}`})`,
			);
	});
	const defaultVars = join(root, ".dev.vars");
	// Node checks that any `--env-file` in its arguments exists, even one meant for wrangler.
	if (settings.varsFile !== defaultVars && !existsSync(settings.varsFile)) {
		throw new Error(`EDGESEND_DEV_VARS names ${settings.varsFile}, which does not exist`);
	}
	worker = await startWrangler({
		root,
		vars,
		envFile: settings.varsFile === defaultVars ? undefined : settings.varsFile,
		persistTo: join(settings.devDir, "state"),
		logDir: join(settings.devDir, "logs"),
		env: childEnv,
		log: (line) => wranglerOutput.shows(line) && console.log(`wrangler │ ${line}`),
	});
	void worker.exited.then(() => {
		if (stopping) return;
		console.error("wrangler dev stopped; stopping the rest.");
		void stop(1);
	});
	await waitForWorker(worker, probe);
	if (callbacks) callbacks.target = worker.url;
	records?.connect(worker.url, settings.readKey);
	const apiKey = settings.userApiKeys ? undefined : DEV_API_KEY;
	console.log(
		banner({
			workerUrl: worker.url,
			inboxUrl: inbox?.url,
			apiKey,
			varsName,
			relay: relayLine,
			realMail: !settings.localRelay,
		}),
	);
} catch (error) {
	console.error(`npm run dev: ${error instanceof Error ? error.message : error}`);
	await stop(1);
}
