/**
 * Measurement 1: round trips for one message on a new connection, from the
 * first connect to the relay's final 250, as wall time divided by the RTT.
 * edgesend and worker-mailer run inside workerd, nodemailer in Node.
 */
import { attempt, type BenchContext, type Check, type SuiteResult, type Table } from "../lib/context.ts";
import type { Client } from "../lib/jobs.ts";
import { closeLink, type Link, openLink, runSend } from "../lib/senders.ts";
import { formatRatio, formatSummary, median, type Summary, summarize } from "../lib/stats.ts";

const clients: Client[] = ["edgesend", "worker-mailer", "nodemailer"];

const scenarios = [
	{ label: "STARTTLS + AUTH LOGIN, 1 recipient", security: "starttls", recipients: 1 },
	{ label: "STARTTLS + AUTH LOGIN, 50 recipients", security: "starttls", recipients: 50 },
	{ label: "implicit TLS + AUTH LOGIN, 1 recipient", security: "tls", recipients: 1 },
] as const;

export async function roundTrips(ctx: BenchContext): Promise<SuiteResult> {
	const failures = new Map<string, string>();
	const links: Record<string, Link> = {
		starttls: await openLink("starttls", ctx.oneWayMs),
		tls: await openLink("tls", ctx.oneWayMs),
	};
	const rows: string[][] = [];
	const headlines: string[] = [];
	const rtOf: Record<string, Summary | undefined> = {};
	const countedOf: Record<string, number> = {};
	try {
		for (const scenario of scenarios) {
			const samples = new Map<Client, { ms: number[]; flights: number[] }>(
				clients.map((c) => [c, { ms: [], flights: [] }]),
			);
			// Clients take turns run by run, so a slow moment on the machine hits them alike; run 0 warms up.
			for (let run = 0; run <= ctx.runs; run++) {
				for (const client of clients) {
					const measured = await attempt(failures, client, () =>
						runSend(ctx, client, links[scenario.security], {
							kind: "small",
							messages: 1,
							recipients: scenario.recipients,
							sessions: 1,
						}),
					);
					if (!measured || run === 0) continue;
					samples.get(client)?.ms.push(measured.ms);
					samples.get(client)?.flights.push(...measured.smtpFlights);
				}
			}
			const edgesendRt = samples.get("edgesend")?.ms.length
				? summarize((samples.get("edgesend")?.ms ?? []).map((ms) => ms / ctx.rttMs))
				: undefined;
			for (const client of clients) {
				const s = samples.get(client) ?? { ms: [], flights: [] };
				if (!s.ms.length) {
					rows.push([scenario.label, client, "failed", "—", "—", "—"]);
					continue;
				}
				const rt = summarize(s.ms.map((ms) => ms / ctx.rttMs));
				rtOf[`${scenario.label}|${client}`] = rt;
				countedOf[`${scenario.label}|${client}`] = median(s.flights) + 3;
				rows.push([
					scenario.label,
					client,
					formatSummary(summarize(s.ms), 0),
					formatSummary(rt),
					`${median(s.flights) + 3} (${median(s.flights)} SMTP)`,
					client === "edgesend" ? "1.00×" : formatRatio(edgesendRt && rt.median / edgesendRt.median),
				]);
			}
			const mine = rtOf[`${scenario.label}|edgesend`];
			const wm = rtOf[`${scenario.label}|worker-mailer`];
			if (mine && wm) {
				headlines.push(
					`${scenario.label}: edgesend ${mine.median.toFixed(1)} round trips, worker-mailer ${wm.median.toFixed(1)} (${formatRatio(wm.median / mine.median)})`,
				);
			}
		}
	} finally {
		await closeLink(links.starttls);
		await closeLink(links.tls);
	}

	const table: Table = {
		title: "1. Round trips per message, new connection",
		columns: [
			"scenario",
			"client",
			"wall ms, median (min–max)",
			"round trips = wall / RTT",
			"round trips counted",
			"round trips vs edgesend",
		],
		rows,
		notes: [
			`Wall time from the first connect to the relay's final 250 for the message (QUIT and close not included), measured where the client runs (inside workerd for edgesend and worker-mailer, in a long-lived Node process of its own for nodemailer, so no client shares a process with the relay and the proxy), divided by the measured RTT of ${ctx.rttMs.toFixed(1)} ms. ${ctx.runs} runs after one warm-up run; clients take turns run by run.`,
			"“round trips counted” is a time-free cross-check: the relay counts the client's flights of SMTP commands before QUIT (each time the client spoke after the relay had; the figure in brackets), plus 2 for the TCP handshake and greeting and 1 for the TLS 1.3 handshake, which the relay cannot see. Wall time above it is the clients' own processing (TLS crypto, composing) and scheduling on a busy machine.",
			"“round trips vs edgesend” is the peer's median divided by edgesend's: above 1 means the peer needs more round trips.",
			"Expected (issue 8): edgesend at most 10 round trips over STARTTLS (connect and greeting 2, EHLO, STARTTLS, TLS 1.3 handshake, EHLO, AUTH LOGIN 2, MAIL/RCPT/DATA 1, content 1); worker-mailer about 13 plus one per recipient; 50 recipients cost edgesend nothing extra.",
		],
	};
	const failed = Object.fromEntries(
		clients
			.filter((c) => !Object.keys(rtOf).some((k) => k.endsWith(`|${c}`)))
			.map((c) => [c, failures.get(c) ?? "no run"]),
	);
	for (const [client, reason] of failures)
		if (!failed[client as Client]) table.notes.push(`${client}: some runs failed: ${reason}`);
	return { tables: [table], failed, headlines, checks: checks(rtOf, countedOf) };
}

/** The round-trip expectations against the medians. */
function checks(rtOf: Record<string, Summary | undefined>, countedOf: Record<string, number>): Check[] {
	const [one, fifty] = [scenarios[0].label, scenarios[1].label];
	const out: Check[] = [];
	const both = (key: string) =>
		rtOf[key] ? `${countedOf[key]} counted, ${rtOf[key]?.median.toFixed(1)} by wall time` : undefined;
	const mine = both(`${one}|edgesend`);
	if (mine) {
		const counted = countedOf[`${one}|edgesend`];
		const wall = rtOf[`${one}|edgesend`]?.median ?? Number.NaN;
		out.push({
			expected: "edgesend: at most 10 round trips for one message over STARTTLS + AUTH LOGIN",
			measured: mine,
			held: counted <= 10 ? (wall <= 10 ? "yes" : "by count; wall time adds the clients' own processing") : "no",
		});
	}
	const wm1 = both(`${one}|worker-mailer`);
	const wm50 = both(`${fifty}|worker-mailer`);
	if (wm1 && wm50) {
		const near = (key: string, target: number) => Math.abs(countedOf[key] - target) <= 1;
		out.push({
			expected: "worker-mailer: about 13 round trips plus one per recipient (13 for 1, 62 for 50)",
			measured: `1 recipient: ${wm1}; 50 recipients: ${wm50}`,
			held: near(`${one}|worker-mailer`, 13) && near(`${fifty}|worker-mailer`, 62) ? "yes" : "no",
		});
	}
	const mine50 = both(`${fifty}|edgesend`);
	if (mine && mine50) {
		const extra = countedOf[`${fifty}|edgesend`] - countedOf[`${one}|edgesend`];
		out.push({
			expected: "edgesend: 50 recipients cost nothing extra",
			measured: `1 recipient: ${mine}; 50 recipients: ${mine50}`,
			held: extra <= 0 ? "yes" : `no (${extra} more)`,
		});
	}
	return out;
}
