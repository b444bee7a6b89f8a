/**
 * edgesend under `wrangler dev`, as `npm run dev` runs it (dev/wrangler.ts:
 * local mode, its own process group, `--persist-to`), pointed at the
 * recovery test's relay and webhook receiver with a low rate limit, so a
 * drain takes minutes; started again on the same state after a crash.
 */
import { join } from "node:path";
import { DEV_EHLO_NAME } from "../../dev/settings.ts";
import { readinessProbe, startWrangler, type WranglerDev, waitForWorker } from "../../dev/wrangler.ts";

export interface WorkerSetup {
	root: string;
	/** wrangler's `--persist-to`: the Durable Objects, R2 and queues live here across restarts. */
	state: string;
	/** An empty env file, so a developer's `.dev.vars` never leaks in. */
	envFile: string;
	logDir: string;
	relay: { port: number; user: string; pass: string };
	webhook: { url: string; secret: string };
	apiKey: string;
	perMinute: number;
	/** Every line wrangler and the worker print. */
	log: (line: string) => void;
	/** Called as soon as wrangler runs, before the worker answers (so Ctrl-C can stop it then too). */
	spawned: (dev: WranglerDev) => void;
}

/** Tries a few times: the port picked free may be taken by another process before wrangler binds it. */
const STARTS = 3;

export async function startWorker(setup: WorkerSetup): Promise<WranglerDev> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await startOnce(setup);
		} catch (error) {
			if (attempt === STARTS) throw error;
			setup.log(`(recovery: start ${attempt} of ${STARTS} failed: ${error instanceof Error ? error.message : error})`);
		}
	}
}

async function startOnce(setup: WorkerSetup): Promise<WranglerDev> {
	const probe = readinessProbe();
	const worker = await startWrangler({
		root: setup.root,
		envFile: setup.envFile,
		persistTo: setup.state,
		logDir: setup.logDir,
		// workerd trusts the relay's TEST-ONLY CA, and only this child sees it.
		env: { SSL_CERT_FILE: join(setup.root, "test", "fixtures", "certs", "ca.pem") },
		vars: {
			SMTP_HOST: "localhost", // by name: the test certificate names localhost
			SMTP_PORT: String(setup.relay.port),
			SMTP_SECURITY: "starttls",
			SMTP_USER: setup.relay.user,
			SMTP_PASS: setup.relay.pass,
			EHLO_NAME: DEV_EHLO_NAME,
			API_KEYS: setup.apiKey,
			RATE_LIMIT_PER_MINUTE: String(setup.perMinute),
			EVENTS_WEBHOOK_URL: setup.webhook.url,
			EVENTS_WEBHOOK_SECRET: setup.webhook.secret,
		},
		log: setup.log,
	});
	setup.spawned(worker);
	try {
		await waitForWorker(worker, probe);
	} catch (error) {
		await worker.stop();
		throw error;
	}
	return worker;
}
