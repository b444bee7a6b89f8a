/**
 * Measurement 7: scale (issue 20, item 5). Runs each path (lib/scale-paths.ts)
 * on a fresh start of edgesend's counted Worker, turns the counts into load
 * per message and ceilings (lib/scale-model.ts), and the lifecycle's SQLite
 * sizes into bytes per message and the largest object at the provider's
 * full rate. Ends with the one ceiling line the issue asks for.
 */
import type { BenchContext, Check, SuiteResult } from "../lib/context.ts";
import { bundleCountedApp } from "../lib/counted-build.ts";
import { startScaleApp } from "../lib/scale-app.ts";
import { pathLoad } from "../lib/scale-model.ts";
import { PATHS, type PathName, type PathRun, runPath } from "../lib/scale-paths.ts";
import { type ClassStorage, charged, storage } from "../lib/scale-storage.ts";
import {
	ceilingTable,
	classTable,
	issueTable,
	type LoadRow,
	overviewTable,
	rate,
	storageTable,
} from "../lib/scale-tables.ts";

/** The relay's warm sessions: several at once per object, so their handler time is not a serial cost. */
const DELIVERY = new Set(["RelayPool"]);
/** Open connections one invocation (an object too) may hold: the pool's sessions per object. */
const SESSIONS_PER_OBJECT = 6;
/** The provider's limit per api_user, and the default retention. */
const PER_MINUTE = 30_000;
const RETENTION_DAYS = 30;
const CAP_BYTES = 10e9;
/** Below this a class's growth is a bounded structure, not records (see `grows`). */
const MIN_BYTES_PER_MESSAGE = 10;
/** Issue 20's numbers to reach. */
const TARGET = { lifecycle: 1_000, sync: 2_000, batch: 2_000 };

export interface ScaleSettings {
	messages: number;
}

/** The relay's sessions: what their capacity is at this run's round trip, instead of a ceiling. */
function poolNotes(rows: LoadRow[]): string[] {
	const lifecycle = rows.find((r) => r.label === "lifecycle") ?? rows[0];
	return (lifecycle?.load.classes ?? [])
		.filter((c) => DELIVERY.has(c.className) && c.measuredMsPerCall > 0)
		.map(
			(c) =>
				`${c.className} (${c.objects} object${c.objects === 1 ? "" : "s"} here, ${c.measuredMsPerCall.toFixed(1)} ms per deliver at this run's relay round trip: with ${SESSIONS_PER_OBJECT} sessions each about ${Math.round((c.objects * SESSIONS_PER_OBJECT * 1000) / c.measuredMsPerCall)} messages/s; charged as a serial piece it would allow ${Math.round(1000 / c.evenMsPerMessage)}/s)`,
		);
}

export async function scale(ctx: BenchContext, s: ScaleSettings): Promise<SuiteResult> {
	ctx.log("bench: scale: building edgesend's Worker with the counting classes…");
	const script = await bundleCountedApp();
	const runs: PathRun[] = [];
	const failures: string[] = [];
	for (const path of PATHS) {
		ctx.log(`bench: scale: ${path}, ${s.messages} messages…`);
		const app = await startScaleApp({ script, oneWayMs: ctx.oneWayMs, events: path === "lifecycle" });
		try {
			runs.push(await runPath(app, path, s.messages));
		} catch (error) {
			failures.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
		} finally {
			await app.close();
		}
	}
	const rows: LoadRow[] = runs.flatMap((run) => {
		const row = (label: string, stats = run.stats): LoadRow => ({
			label,
			run,
			messages: run.messages,
			load: pathLoad(stats, run.messages, DELIVERY),
		});
		const path = { ...row(run.path), cold: pathLoad(run.cold.stats, run.cold.messages, DELIVERY) };
		if (!run.parts) return [path];
		return [
			path,
			row("lifecycle: async with webhooks, accept → final", run.parts.accept),
			row("lifecycle: one delivered callback + its webhook", run.parts.callbacks),
		];
	});
	const ceilingOf = (path: PathName) => rows.find((r) => r.label === path)?.load.ceiling;
	const shown = (path: PathName) => {
		const c = ceilingOf(path);
		return c ? rate(c) : "failed";
	};
	const finalLine = `ceiling: lifecycle=${shown("lifecycle")} sync=${shown("sync")} batch=${shown("batch")} (model: 5 ms per D1 round trip, 1 ms per object request)`;
	const sizes = runs.find((r) => r.sizes)?.sizes;
	const measured = sizes ? storage(sizes, PER_MINUTE, RETENTION_DAYS) : [];
	// A class whose size did not move with the messages (a window of counters, sessions) holds no records.
	// Under 10 bytes a message, what a class keeps does not grow with the messages (a note per shard and day, a window of counters).
	const grows = (c: ClassStorage) => (charged(c.largest) - c.baseBytes) / c.messagesPerObject >= MIN_BYTES_PER_MESSAGE;
	const stored = measured.filter(grows);
	const flat = measured.filter((c) => !grows(c)).map((c) => c.className);
	const largest = stored.reduce<ClassStorage | undefined>(
		(a, b) => (!a || charged(b.largest) > charged(a.largest) ? b : a),
		undefined,
	);
	const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
	const checks: Check[] = (Object.keys(TARGET) as (keyof typeof TARGET)[]).map((path) => {
		const c = ceilingOf(path);
		return {
			expected: `ceiling ≥ ${TARGET[path].toLocaleString("en")}/s per api_user for ${path === "lifecycle" ? "the whole async lifecycle" : `${path} sends`} (issue 20)`,
			measured: c ? `${rate(c)}, bound by ${c.piece}` : "the path failed",
			held: c ? (c.perSecond >= TARGET[path] ? "yes" : "no") : "no",
		};
	});
	if (largest) {
		const over = stored.filter((c) => charged(c.largest) >= CAP_BYTES);
		checks.push({
			expected: `no object or database over 10 GB at ${PER_MINUTE.toLocaleString("en")}/min for ${RETENTION_DAYS} days of retention (issue 20)`,
			measured: stored
				.map(
					(c) =>
						`${c.className} ${gb(charged(c.largest))}${c.byDay ? " (one day)" : ` (${gb(charged(c.largestAccept))} with accept → final's bytes alone)`}`,
				)
				.join("; "),
			held: !over.length
				? "yes"
				: over.every((c) => !c.byDay && charged(c.largestAccept) < CAP_BYTES)
					? "only if what the callbacks add expires sooner"
					: "no",
		});
	}
	const tables = [
		overviewTable(rows, s.messages),
		classTable(rows),
		ceilingTable(rows, poolNotes(rows)),
		...(stored.length ? [storageTable(stored, flat, PER_MINUTE, RETENTION_DAYS, CAP_BYTES)] : []),
		issueTable,
	];
	const perMessage = stored
		.map((c) => `${c.className} ${c.accept.pages.toFixed(0)} + ${c.callback.pages.toFixed(0)}`)
		.join(", ");
	return {
		tables,
		failed: failures.length ? { edgesend: failures.join(" | ") } : {},
		headlines: [
			`Scale (${s.messages} messages a path): ${finalLine.replace(/^ceiling: /, "ceiling ")}`,
			...(largest
				? [
						`Storage per message (lifecycle, pages, accept → final + callback): ${perMessage} bytes; largest at 30,000/min: ${largest.className} ${gb(charged(largest.largest))}`,
					]
				: []),
		],
		checks,
		finalLine,
	};
}
