/**
 * Runs `npm run deploy`'s script against a stand-in wrangler
 * (stand-in-wrangler.mjs) in a temporary project folder: the account the
 * stand-in answers from, the calls it recorded, and what the script printed.
 */
import { spawn } from "node:child_process";
import {
	chmodSync,
	copyFileSync,
	cpSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What the stand-in's account holds (stand-in-wrangler.mjs reads and changes it). */
export interface StandInAccount {
	loggedIn: boolean;
	accounts: { id: string; name: string }[];
	databases: string[];
	queues: string[];
	/** Whether the D1 migrations were applied. */
	migrated: boolean;
	worker: { name: string; deployed: boolean; secrets: string[] };
	/** A command (e.g. "d1 create") that fails as wrangler does when the token may not do it. */
	failing?: string;
}

export const freshAccount = (): StandInAccount => ({
	loggedIn: true,
	accounts: [{ id: "0a1b2c3d4e5f", name: "Example Ltd" }],
	databases: [],
	queues: [],
	migrated: false,
	worker: { name: "edgesend", deployed: false, secrets: [] },
});

export interface Project {
	dir: string;
	account(): StandInAccount;
	/** Each call the stand-in got, as its arguments. */
	calls(): string[][];
	remove(): void;
}

/**
 * A project folder holding `config` as wrangler.toml (the repository's own
 * when none is given) and a migrations/ folder, with the stand-in set up
 * to answer from `account`.
 */
export function project(account: StandInAccount, config?: string): Project {
	const dir = mkdtempSync(join(tmpdir(), "edgesend-deploy-"));
	const bin = join(dir, ".bin");
	mkdirSync(bin);
	copyFileSync(new URL("./stand-in-wrangler.mjs", import.meta.url), join(bin, "wrangler"));
	chmodSync(join(bin, "wrangler"), 0o755);
	writeFileSync(join(bin, "account.json"), JSON.stringify(account));
	writeFileSync(join(bin, "calls.jsonl"), "");
	if (config === undefined) copyFileSync(join(root, "wrangler.toml"), join(dir, "wrangler.toml"));
	else writeFileSync(join(dir, "wrangler.toml"), config);
	if (existsSync(join(root, "migrations")))
		cpSync(join(root, "migrations"), join(dir, "migrations"), { recursive: true });
	return {
		dir,
		account: () => JSON.parse(readFileSync(join(bin, "account.json"), "utf8")),
		calls: () =>
			readFileSync(join(bin, "calls.jsonl"), "utf8")
				.split("\n")
				.filter(Boolean)
				.map((line) => JSON.parse(line)),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}

export interface DeployRun {
	code: number | null;
	/** stdout and stderr, in the order they were written as far as two pipes allow. */
	output: string;
}

/** Runs scripts/deploy.ts in the project, with the stand-in first on PATH (and this Node right after it). */
export function runDeploy(project: Project, args: string[] = [], env: Record<string, string> = {}): Promise<DeployRun> {
	const path = [join(project.dir, ".bin"), dirname(process.execPath), process.env.PATH].join(delimiter);
	const { CLOUDFLARE_ACCOUNT_ID: _ignored, ...inherited } = process.env;
	const child = spawn(process.execPath, [join(root, "scripts", "deploy.ts"), ...args], {
		cwd: project.dir,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...inherited, PATH: path, FORCE_COLOR: "0", ...env },
	});
	let output = "";
	child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
		output += chunk;
	});
	child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
		output += chunk;
	});
	return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}
