/**
 * One composition measurement in a fresh process, so peak memory belongs to
 * this case alone: `node --expose-gc compose-child.mjs <composer> <large|typical> <count>`.
 * Prints one JSON line: CPU time, wall time, peak resident-memory growth, bytes produced.
 */
import { largeMessage, textMessage } from "../lib/messages.ts";
import { type Composer, composers } from "./composers.ts";
import { startPeakMeter } from "./peak-memory.ts";

const [composer, kind, countArg] = process.argv.slice(2) as [Composer, "large" | "typical", string];
const count = Number(countArg ?? 1);
const gc = (globalThis as { gc?: () => void }).gc;
if (!composers[composer] || !gc) throw new Error("usage: node --expose-gc compose-child.mjs <composer> <kind> <count>");

const message = kind === "large" ? largeMessage() : textMessage(20_000);
const compose = composers[composer](message);
gc();
gc();
const meter = startPeakMeter();
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let bytes = 0;
for (let i = 0; i < count; i++) bytes += await compose(`${message.subject} (${i + 1})`);
const wallMs = performance.now() - wallStart;
const cpu = process.cpuUsage(cpuStart);
const peakBytes = meter.peakGrowth();

process.stdout.write(
	`${JSON.stringify({
		composer,
		kind,
		count,
		cpuMs: (cpu.user + cpu.system) / 1000,
		wallMs,
		// Growth of the resident set over what the process held with its input built: the composer's own memory.
		peakBytes,
		peakSource: meter.source,
		bytesPerMessage: bytes / count,
	})}\n`,
);
