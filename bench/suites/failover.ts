/**
 * Measurement 7: failover (issue 23). edgesend's whole Worker with
 * wrangler.toml's bindings and a second SMTP relay (FALLBACK_SMTP_*), while the
 * first relay hangs before its greeting: the median time per send, one send
 * after another, with the route's circuit breaker on (the ROUTE_BREAKER
 * binding) and off (without it every send waits out the first relay's reply
 * timeout before it moves). Both deliver every message once, by the second
 * route; the breaker's worth is the ratio.
 */
import { startRelay } from "../../test/fixtures/provider-relay.ts";
import { percentile } from "../lib/callers.ts";
import type { BenchContext, Check, SuiteResult, Table } from "../lib/context.ts";
import { startDeployedApp } from "../lib/deployed-app.ts";
import { relayCredentials } from "../lib/jobs.ts";
import { recipients, smallMessage } from "../lib/messages.ts";
import { closeLink, openLink } from "../lib/senders.ts";
import { median } from "../lib/stats.ts";

/** Sends per run, one after another. */
const SENDS = 12;
/** The first relay's reply timeout (SMTP_TIMEOUT_MS): what a send without the breaker waits before it moves. */
const TIMEOUT_MS = 2000;

const template = smallMessage(recipients(1));

interface Run {
	label: string;
	perSendMs: number[];
	routes: Record<string, number>;
}

export async function failover(ctx: BenchContext): Promise<SuiteResult> {
	const script = ctx.bundles.app;
	if (!script) return { tables: [], failed: { edgesend: ctx.bundles.appMissing ?? "no app bundle" }, headlines: [] };
	const runs: Run[] = [];
	for (const breaker of [true, false]) {
		const hanging = await startRelay({ security: "starttls" });
		await hanging.setMode("hang");
		const second = await openLink("starttls", ctx.oneWayMs);
		const app = await startDeployedApp(script, {
			link: second,
			perMinute: 30_000,
			consumer: false,
			without: breaker ? [] : ["ROUTE_BREAKER"],
			bindings: {
				SMTP_PORT: String(hanging.port),
				SMTP_TIMEOUT_MS: String(TIMEOUT_MS),
				SMTP_POOL: "off",
				FALLBACK_SMTP_HOST: "localhost",
				FALLBACK_SMTP_PORT: String(second.proxy.port),
				FALLBACK_SMTP_SECURITY: "starttls",
				FALLBACK_SMTP_USER: relayCredentials.user,
				FALLBACK_SMTP_PASS: relayCredentials.pass,
				FALLBACK_RATE_LIMIT_PER_MINUTE: "30000",
			},
		});
		const run: Run = { label: breaker ? "breaker on" : "breaker off", perSendMs: [], routes: {} };
		try {
			for (let i = 0; i < SENDS; i++) {
				const start = performance.now();
				const { status, answer } = await app.send({ ...template, subject: `failover ${i}` }, false);
				run.perSendMs.push(performance.now() - start);
				const route = status === 200 ? String(answer.route) : `status ${status}`;
				run.routes[route] = (run.routes[route] ?? 0) + 1;
			}
			if (second.relay.messages.length !== SENDS) {
				throw new Error(`the second relay received ${second.relay.messages.length} of ${SENDS}`);
			}
		} finally {
			await app.dispose();
			await closeLink(second);
			await hanging.close();
		}
		runs.push(run);
		ctx.log(`bench: failover ${run.label}: median ${median(run.perSendMs).toFixed(0)} ms per send`);
	}
	const [on, off] = runs;
	const ratio = median(off.perSendMs) / median(on.perSendMs);
	const table: Table = {
		title: `7. Failover: time per send while the first relay hangs before its greeting (${SENDS} sends one after another, SMTP_TIMEOUT_MS=${TIMEOUT_MS})`,
		columns: ["run", "median ms per send", "p90 ms", "first 3 sends ms", "routes", "breaker off ÷ on"],
		rows: runs.map((r) => [
			r.label,
			median(r.perSendMs).toFixed(0),
			percentile(r.perSendMs, 0.9).toFixed(0),
			r.perSendMs
				.slice(0, 3)
				.map((ms) => ms.toFixed(0))
				.join(", "),
			Object.entries(r.routes)
				.map(([k, v]) => `${k} ${v}`)
				.join(", "),
			r === on ? "" : `${ratio.toFixed(1)}×`,
		]),
		notes: [
			"Both runs send through edgesend's whole Worker (wrangler.toml's bindings) to a first relay that takes the connection and never greets, and a second SMTP relay behind the latency proxy.",
			`Breaker off (no ROUTE_BREAKER binding): every send waits the first relay's reply timeout (${TIMEOUT_MS} ms), then moves. Breaker on: the first three sends do, the breaker opens (3 route failures within 30 s), and the rest go straight to the second route for the 30 s cool-down.`,
		],
	};
	const checks: Check[] = [
		{
			expected: "with the breaker open, sends no longer wait for the first relay's timeout",
			measured: `median ${median(on.perSendMs).toFixed(0)} ms on, ${median(off.perSendMs).toFixed(0)} ms off`,
			held: median(on.perSendMs) < TIMEOUT_MS ? "yes" : "no",
		},
	];
	return {
		tables: [table],
		failed: {},
		checks,
		headlines: [
			`failover: with the first relay hanging, the breaker makes a send ${ratio.toFixed(1)}× faster (median ${median(on.perSendMs).toFixed(0)} ms against ${median(off.perSendMs).toFixed(0)} ms); every message went once, by the second route`,
		],
	};
}
