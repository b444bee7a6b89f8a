/** Describes the machine and software a run used, without paths or host names. */
import { readFileSync } from "node:fs";
import os from "node:os";

const versionOf = (pkg: string) => {
	try {
		const url = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url);
		return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
	} catch {
		return "unknown";
	}
};

export interface Machine {
	nproc: number;
	cpuModel: string;
	memoryGb: number;
	os: string;
	node: string;
	packages: Record<string, string>;
	loadAverage: () => string;
}

export function describeMachine(): Machine {
	return {
		nproc: os.availableParallelism(),
		cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
		memoryGb: os.totalmem() / 1024 ** 3,
		os: `${os.type()} ${os.arch()}`,
		node: process.version,
		packages: Object.fromEntries(
			["workerd", "miniflare", "worker-mailer", "nodemailer", "esbuild"].map((p) => [p, versionOf(p)]),
		),
		loadAverage: () =>
			os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(" / "),
	};
}
