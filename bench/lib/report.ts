/** Renders the suites' tables for the terminal and as bench/RESULTS.md. */
import type { Check, Table } from "./context.ts";
import type { Machine } from "./machine.ts";

export interface RunInfo {
	command: string;
	startedAt: Date;
	finishedAt: Date;
	machine: Machine;
	loadAtStart: string;
	loadAtEnd: string;
	oneWayMs: number;
	rttMs: number;
	runs: number;
	batchRuns: number;
	batchMessages: number;
	headlines: string[];
	checks: Check[];
	problems: string[];
}

/** The expectations next to the measured figures, as a table. */
export function checksTable(checks: Check[]): Table {
	return {
		title: "Expected against measured",
		columns: ["expected", "measured", "held"],
		rows: checks.map((c) => [c.expected, c.measured, c.held]),
		notes: [],
	};
}

/** Plain-text table with aligned columns. */
export function textTable(table: Table): string {
	const all = [table.columns, ...table.rows];
	const widths = table.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
	const line = (row: string[]) =>
		row
			.map((cell, i) => (cell ?? "").padEnd(widths[i]))
			.join("  ")
			.trimEnd();
	return [table.title, line(table.columns), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join(
		"\n",
	);
}

const escapeCell = (cell: string) => cell.replaceAll("|", "\\|");

function markdownTable(table: Table): string {
	const head = `| ${table.columns.map(escapeCell).join(" | ")} |`;
	const rule = `|${table.columns.map(() => "---").join("|")}|`;
	const body = table.rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`);
	return [head, rule, ...body].join("\n");
}

export function markdownReport(info: RunInfo, tables: Table[]): string {
	const m = info.machine;
	const packages = Object.entries(m.packages)
		.map(([name, version]) => `${name} ${version}`)
		.join(", ");
	const minutes = (info.finishedAt.getTime() - info.startedAt.getTime()) / 60_000;
	return [
		"# edgesend benchmarks: side by side with worker-mailer and nodemailer",
		"",
		"Written by `npm run bench` (bench/run.ts); every figure below comes from one run of it. Compare ratios, not absolute times: the machine is small and shared.",
		"",
		`- **Command:** \`${info.command}\``,
		`- **Date:** ${info.startedAt.toISOString()} (took ${minutes.toFixed(1)} min)`,
		`- **Machine:** ${m.nproc} CPUs (nproc), ${m.cpuModel}, ${m.memoryGb.toFixed(1)} GB memory, ${m.os}; load average (1/5/15 min) ${info.loadAtStart} at start, ${info.loadAtEnd} at end`,
		`- **Software:** Node ${m.node}; ${packages}`,
		`- **Network model:** every client talks to the same local relay (test/fixtures/provider-relay.ts, an imitation of the provider's Haraka: STARTTLS or implicit TLS from the test CA, AUTH LOGIN, \`250 #id#Queued\`, refuses commands pipelined behind the final dot) through a latency proxy (bench/lib/latency-proxy.ts) adding ${info.oneWayMs} ms each way (${2 * info.oneWayMs} ms nominal RTT; ${info.rttMs.toFixed(2)} ms measured through the proxy, the RTT every round-trip figure is divided by). The proxy also models the TCP handshake (the relay sees the connection 1.5 round trips after the client connects), so connecting and reading the greeting costs 2 round trips as on a real network. The bench turns Nagle's algorithm off on the relay's connections (bench/lib/no-delay.ts): otherwise each reply after the first in a multi-write answer waits for the proxy's delayed ACK (40 ms on Linux loopback) and shows up as phantom round trips.`,
		`- **Runs:** ${info.runs} per round-trip and limiter figure (after a warm-up run), ${info.batchRuns} per batch and composition figure; each figure is the median, with (min–max).`,
		"",
		"## Headlines",
		"",
		...(info.headlines.length ? info.headlines.map((h) => `- ${h}`) : ["- (no comparison could be made)"]),
		"",
		"## Expected against measured",
		"",
		"Reported, not asserted: the bench fails only when a client cannot be run at all.",
		"",
		info.checks.length ? markdownTable(checksTable(info.checks)) : "(no expectation could be compared)",
		...(info.problems.length ? ["", "## Problems in this run", "", ...info.problems.map((p) => `- ${p}`)] : []),
		"",
		...tables.flatMap((t) => [`## ${t.title}`, "", markdownTable(t), "", ...t.notes.map((n) => `- ${n}`), ""]),
	].join("\n");
}
