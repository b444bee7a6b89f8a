/**
 * What every suite receives, and the table each one hands back for printing
 * and for bench/RESULTS.md.
 */

import type { NodemailerPeer } from "../peers/nodemailer-process.ts";
import type { Client } from "./jobs.ts";
import type { BenchWorker } from "./workerd.ts";

export interface BenchContext {
	/** Runs edgesend's parts and worker-mailer inside workerd. */
	worker: BenchWorker;
	/** nodemailer's own warm Node process. */
	nodemailer: NodemailerPeer;
	/** Delay the proxy adds to each direction. */
	oneWayMs: number;
	/** Round-trip time the proxy really gives, measured at start: round trips are counted in these. */
	rttMs: number;
	/** Runs per figure (the median is reported, with min and max). */
	runs: number;
	/** Runs per figure for the slow batch suite. */
	batchRuns: number;
	bundles: { composeChild: string; app?: string; appMissing?: string };
	/** Why edgesend's parts are unavailable, when they are. */
	edgesendMissing?: string;
	log: (line: string) => void;
}

export interface Table {
	title: string;
	columns: string[];
	rows: string[][];
	/** What the figures mean and what the issue expected, for RESULTS.md. */
	notes: string[];
}

export interface SuiteResult {
	tables: Table[];
	/** Clients that produced no figure at all in this suite, with the first error seen. */
	failed: Partial<Record<Client, string>>;
	/** One-line findings for the headline (edgesend against the peers). */
	headlines: string[];
	/** The expectations next to what was measured (reported, never asserted). */
	checks?: Check[];
	/** A line the run prints last of all (the scale suite's ceiling line). */
	finalLine?: string;
}

export interface Check {
	expected: string;
	measured: string;
	/** "yes", "no", or a qualified answer. */
	held: string;
}

/** Runs `fn`, turning a failure into a recorded reason instead of stopping the bench. */
export async function attempt<T>(
	failures: Map<string, string>,
	key: string,
	fn: () => Promise<T>,
): Promise<T | undefined> {
	try {
		return await fn();
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		if (!failures.has(key)) failures.set(key, reason.split("\n")[0].slice(0, 300));
		return undefined;
	}
}
