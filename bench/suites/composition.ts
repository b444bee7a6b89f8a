/**
 * Measurement 3: composition cost in Node. Each case runs in a fresh child
 * process (bench/composition/child.ts) so peak memory is that case's alone:
 * CPU time by process.cpuUsage(), peak memory as the growth of the resident
 * set over what the process held with its input already built.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Composer } from "../composition/composers.ts";
import { attempt, type BenchContext, type Check, type SuiteResult, type Table } from "../lib/context.ts";
import { formatRatio, formatSummary, median, summarize } from "../lib/stats.ts";

const run = promisify(execFile);

interface ChildResult {
	peakSource: string;
	cpuMs: number;
	wallMs: number;
	peakBytes: number;
	bytesPerMessage: number;
}

const composerList: Composer[] = ["edgesend", "nodemailer", "worker-mailer"];

const cases = [
	{ kind: "large", count: 1, label: "15 MB: HTML + text + three 5 MB inline images, ×1" },
	{ kind: "typical", count: 1000, label: "typical 20 KB (HTML + text), ×1,000" },
] as const;

async function measure(childPath: string, composer: Composer, kind: string, count: number): Promise<ChildResult> {
	const { stdout } = await run(process.execPath, ["--expose-gc", childPath, composer, kind, String(count)], {
		timeout: 180_000,
		maxBuffer: 1 << 20,
	});
	return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ChildResult;
}

const mb = (bytes: number) => bytes / 1e6;

export async function composition(ctx: BenchContext): Promise<SuiteResult> {
	const failures = new Map<string, string>();
	const rows: string[][] = [];
	const headlines: string[] = [];
	const produced = new Set<string>();
	const checks: Check[] = [];
	const sources = new Set<string>();
	for (const c of cases) {
		const results = new Map<Composer, ChildResult[]>(composerList.map((k) => [k, []]));
		for (let i = 0; i < ctx.batchRuns; i++) {
			for (const composer of composerList) {
				ctx.log(`  composition run ${i + 1}/${ctx.batchRuns}: ${composer}, ${c.kind}`);
				const r = await attempt(failures, composer, () => measure(ctx.bundles.composeChild, composer, c.kind, c.count));
				if (r) results.get(composer)?.push(r);
				if (r) sources.add(r.peakSource);
			}
		}
		const mine = results.get("edgesend") ?? [];
		const myCpu = mine.length ? median(mine.map((r) => r.cpuMs)) : undefined;
		const myPeak = mine.length ? median(mine.map((r) => r.peakBytes)) : undefined;
		for (const composer of composerList) {
			const rs = results.get(composer) ?? [];
			const name =
				composer === "worker-mailer" && c.kind === "large" ? "worker-mailer (images as plain attachments)" : composer;
			if (!rs.length) {
				rows.push([c.label, name, "failed", "—", "—", "—", "—", "—"]);
				continue;
			}
			produced.add(composer);
			const cpu = summarize(rs.map((r) => r.cpuMs));
			const peak = summarize(rs.map((r) => mb(r.peakBytes)));
			const size = median(rs.map((r) => r.bytesPerMessage));
			rows.push([
				c.label,
				name,
				c.count > 1
					? `${formatSummary(cpu, 0)}; ${((cpu.median / c.count) * 1000).toFixed(0)} µs per message`
					: formatSummary(cpu, 0),
				formatSummary(peak, 1),
				c.count > 1 ? "—" : (peak.median / mb(size)).toFixed(2),
				size >= 1e6 ? `${mb(size).toFixed(2)} MB` : `${(size / 1000).toFixed(1)} KB`,
				composer === "edgesend" ? "1.00×" : formatRatio(myCpu && cpu.median / myCpu),
				composer === "edgesend"
					? "1.00×"
					: formatRatio(myPeak && myPeak > 0 ? (peak.median * 1e6) / myPeak : undefined),
			]);
			if (composer === "nodemailer" && c.kind === "large" && myCpu !== undefined) {
				checks.push({
					expected: "composing the 15 MB message takes less CPU than nodemailer",
					measured: `edgesend ${myCpu.toFixed(0)} ms, nodemailer ${cpu.median.toFixed(0)} ms`,
					held: myCpu < cpu.median ? "yes" : "no",
				});
			}
			if (composer === "edgesend" && c.kind === "large") {
				checks.push({
					expected: "composing the 15 MB message peaks under 2× the message size",
					measured: `${peak.median.toFixed(1)} MB for a ${mb(size).toFixed(1)} MB message (${(peak.median / mb(size)).toFixed(2)}×)`,
					held: peak.median < 2 * mb(size) ? "yes" : "no",
				});
				headlines.push(
					`15 MB message: edgesend ${cpu.median.toFixed(0)} ms CPU, peak ${peak.median.toFixed(1)} MB (${(peak.median / mb(size)).toFixed(2)}× the ${mb(size).toFixed(1)} MB message)`,
				);
			}
			if (composer === "nodemailer" && myCpu !== undefined) {
				headlines.push(`${c.label}: nodemailer uses ${formatRatio(cpu.median / myCpu)} edgesend's CPU`);
			}
		}
	}
	const table: Table = {
		title: "3. Composition cost (Node, one fresh process per case and run)",
		columns: [
			"message",
			"composer",
			"CPU ms, median (min–max)",
			"peak memory MB",
			"peak ÷ message size",
			"message size",
			"CPU vs edgesend",
			"peak memory vs edgesend",
		],
		rows,
		notes: [
			`CPU = user + system time (process.cpuUsage) to compose the message and read every byte of it, output counted and dropped: edgesend's composeMessage + body() stream, nodemailer's MailComposer compile().createReadStream(), worker-mailer's Email getEmailData() encoded to bytes as its socket writer does. Input is prepared before the clock starts, in each library's own input shape (bytes for edgesend and nodemailer, base64 strings for worker-mailer, which takes no other form). ${ctx.batchRuns} runs per case, each in a fresh Node process.`,
			`Peak memory = the growth of the process's resident set at its peak over what it held just before composing (input built, garbage collected), read as ${[...sources].join(" / ") || "VmHWM"} from /proc/self/status (the high-water mark is reset through /proc/self/clear_refs right before composing; getrusage's maxRSS is not used because on Linux a child inherits its parent's). It is the composer's own working memory, including the JavaScript heap it grows into (V8's young generation alone can account for ~15–20 MB, so small figures mostly measure that floor). “peak ÷ message size” divides by the encoded message size (single-message case only).`,
			"worker-mailer has no inline images (no Content-ID, no multipart/related): the three images are measured as plain attachments, the only kind it has. Its getEmailData() also dot-stuffs and appends the final dot in the same step (edgesend and nodemailer leave that to the SMTP layer), which is part of its figure.",
			"“vs edgesend” is the peer's median divided by edgesend's: above 1 means the peer uses more.",
			"Expected (issue 8): composing the 15 MB message takes less CPU than nodemailer, with peak memory under 2× the message size.",
		],
	};
	const failed = Object.fromEntries(
		composerList.filter((c) => !produced.has(c)).map((c) => [c, failures.get(c) ?? "no run"]),
	);
	for (const [composer, reason] of failures)
		if (produced.has(composer)) table.notes.push(`${composer}: some runs failed: ${reason}`);
	return { tables: [table], failed, headlines, checks };
}
