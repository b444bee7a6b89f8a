/**
 * The peak resident memory of this process over a stretch of work.
 *
 * getrusage's maxRSS will not do: on Linux it carries over the parent's
 * resident size from fork, so a child of a big orchestrator reports the
 * parent's size. /proc/self/status's VmHWM belongs to this process's own
 * memory map, and writing "5" to /proc/self/clear_refs resets it to the current
 * size (Linux ≥ 4.0), so the peak of just the measured work can be read.
 */
import { readFileSync, writeFileSync } from "node:fs";

function statusBytes(field: "VmRSS" | "VmHWM"): number | undefined {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

export interface PeakMeter {
	/** Growth of the resident set at its peak since start(), in bytes. */
	peakGrowth(): number;
	/** How the peak was read, for the report. */
	source: "VmHWM after reset" | "VmHWM" | "maxRSS";
}

/** Call with the input built and garbage collected, right before the work. */
export function startPeakMeter(): PeakMeter {
	let reset = false;
	try {
		writeFileSync("/proc/self/clear_refs", "5");
		reset = true;
	} catch {
		// Older kernel or no /proc: the high-water mark then includes building the input.
	}
	const before = statusBytes("VmRSS") ?? process.memoryUsage.rss();
	const hasProc = statusBytes("VmHWM") !== undefined;
	return {
		source: hasProc ? (reset ? "VmHWM after reset" : "VmHWM") : "maxRSS",
		peakGrowth: () => {
			const peak = statusBytes("VmHWM") ?? process.resourceUsage().maxRSS * 1024;
			return Math.max(0, peak - before);
		},
	};
}
