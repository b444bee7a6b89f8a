/**
 * `npm run deploy` without an account: scripts/deploy.ts against a stand-in
 * wrangler that records its calls (stand-in.ts). A fresh account gets what
 * wrangler.toml declares and `wrangler deploy` would not create, then the
 * deploy; an account that has it all gets the deploy alone; a missing secret
 * is named with the command that sets it, after the deploy (chosen: deploy
 * anyway; the Worker refuses to send until it is set, and the secret goes
 * onto the deployed Worker at once).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshAccount, type Project, project, runDeploy, type StandInAccount } from "./stand-in.ts";

const projects: Project[] = [];
afterEach(() => {
	for (const p of projects.splice(0)) p.remove();
});
const inProject = (account: StandInAccount, config?: string) => {
	const p = project(account, config);
	projects.push(p);
	return p;
};

/** The account wrangler.toml needs, all there, with every required secret. */
const completeAccount = (): StandInAccount => ({
	...freshAccount(),
	queues: ["edgesend-send", "edgesend-send-dlq"],
	worker: { name: "edgesend", deployed: true, secrets: ["SMTP_USER", "SMTP_PASS", "API_KEYS"] },
});

const commandOf = (call: string[]) => call.filter((a) => !a.startsWith("-")).join(" ");

/** Runs the deploy and expects it to succeed: what it printed, and the commands it had wrangler run. */
async function deploys(p: Project, args: string[] = [], env: Record<string, string> = {}) {
	const run = await runDeploy(p, args, env);
	expect(run.code, run.output).toBe(0);
	return { output: run.output, commands: p.calls().map(commandOf) };
}

describe("npm run deploy (scripts/deploy.ts) against a stand-in wrangler", () => {
	it("on a fresh account creates the dead-letter queue, deploys, then names the missing secrets", async () => {
		const p = inProject(freshAccount());
		const run = await deploys(p);
		expect(run.commands).toEqual([
			"whoami",
			"queues info edgesend-send-dlq",
			"queues create edgesend-send-dlq",
			"deploy",
			"secret list json",
		]);
		expect(p.account().queues).toEqual(["edgesend-send-dlq"]);
		expect(p.account().worker.deployed).toBe(true);
		// The queue and the bucket are wrangler deploy's own to create (its automatic provisioning).
		expect(run.output).toContain("queue edgesend-send (SEND_QUEUE): wrangler deploy creates it if missing");
		expect(run.output).toContain("R2 bucket edgesend-spool (SPOOL): wrangler deploy creates it if missing");
		for (const name of ["SMTP_USER", "SMTP_PASS", "API_KEYS"]) {
			expect(run.output).toMatch(new RegExp(`missing +${name}:`));
			expect(run.output).toContain(`npx wrangler secret put ${name}`);
		}
	});

	it("on an account that has everything creates nothing and deploys", async () => {
		const p = inProject(completeAccount());
		const run = await deploys(p);
		expect(run.commands).toEqual(["whoami", "queues info edgesend-send-dlq", "deploy", "secret list json"]);
		expect(run.output).toContain("every secret edgesend needs is set");
		expect(run.output).not.toContain("secret put");
	});

	it("with a secret missing says which and how to set it, and deploys all the same", async () => {
		const account = completeAccount();
		account.worker.secrets = ["SMTP_USER", "API_KEYS"];
		const p = inProject(account);
		const run = await deploys(p);
		expect(run.commands).toContain("deploy");
		expect(run.output).toMatch(/missing +SMTP_PASS: the provider's api_key/);
		expect(run.output).toContain("npx wrangler secret put SMTP_PASS");
		expect(run.output).not.toContain("secret put SMTP_USER");
		expect(run.output).not.toContain("secret put API_KEYS");
		// The deploy comes before the secrets are read, so the report is of the Worker as deployed.
		expect(run.commands.slice(-2)).toEqual(["deploy", "secret list json"]);
	});

	it("counts the names of a --secrets-file as set, and passes it to wrangler deploy", async () => {
		const account = completeAccount();
		account.worker.secrets = ["SMTP_USER", "API_KEYS"];
		const p = inProject(account);
		writeFileSync(join(p.dir, ".secrets.env"), "SMTP_PASS=not-a-real-key\n");
		const run = await deploys(p, ["--secrets-file", ".secrets.env"]);
		expect(p.calls().find((call) => call[0] === "deploy")).toEqual(["deploy", "--secrets-file", ".secrets.env"]);
		expect(run.output).not.toContain("secret put SMTP_PASS");
		expect(run.output).not.toContain("not-a-real-key");
	});

	it("creates a D1 database a wrangler.toml declares and applies its migrations before the deploy", async () => {
		const config = [
			'name = "edgesend"',
			'main = "src/index.ts"',
			'compatibility_date = "2026-11-01"',
			"[[d1_databases]]",
			'binding = "DB"',
			'database_name = "edgesend"',
			'migrations_dir = "migrations"',
		].join("\n");
		const p = inProject(freshAccount(), config);
		mkdirSync(join(p.dir, "migrations"), { recursive: true });
		writeFileSync(join(p.dir, "migrations", "0001_one.sql"), "CREATE TABLE one (id INTEGER PRIMARY KEY);\n");
		const run = await deploys(p);
		expect(run.commands).toEqual([
			"whoami",
			"d1 list",
			"d1 create edgesend",
			"d1 migrations apply DB",
			"deploy",
			"secret list json",
		]);
		expect(p.calls()[3]).toContain("--remote");
		expect(p.account().databases).toEqual(["edgesend"]);
		expect(run.output).toContain("D1 edgesend (DB): created");
		// Again, with the database there: found, not created; the migrations are applied (a no-op).
		const again = await deploys(p);
		expect(again.commands.slice(run.commands.length)).toEqual([
			"whoami",
			"d1 list",
			"d1 migrations apply DB",
			"deploy",
			"secret list json",
		]);
		expect(again.output).toContain("D1 edgesend (DB): exists");
	});

	it("creates queues the deploy does not (a dead-letter queue, a queue only consumed here) and leaves the rest to it", async () => {
		const config = [
			'name = "edgesend"',
			'main = "src/index.ts"',
			'compatibility_date = "2026-11-01"',
			"[[queues.producers]]",
			'binding = "SEND_QUEUE"',
			'queue = "edgesend-send"',
			"[[queues.consumers]]",
			'queue = "edgesend-send"',
			'dead_letter_queue = "edgesend-dead"',
			"[[queues.consumers]]",
			'queue = "edgesend-dead"',
			"[[queues.consumers]]",
			'queue = "partner-events"',
			"[[kv_namespaces]]",
			'binding = "CACHE"',
			"[[send_email]]",
			'name = "FALLBACK_EMAIL"',
			"[vars]",
			'SMTP_USER = "api_user"',
		].join("\n");
		const account = freshAccount();
		account.queues = ["partner-events"];
		const p = inProject(account, config);
		const run = await deploys(p);
		expect(run.commands).toEqual([
			"whoami",
			"queues info edgesend-dead",
			"queues create edgesend-dead",
			"queues info partner-events",
			"deploy",
			"secret list json",
		]);
		expect(p.account().queues).toEqual(["partner-events", "edgesend-dead"]);
		expect(run.output).toContain("queue edgesend-dead (dead letters of edgesend-send, consumes): created");
		expect(run.output).toContain("queue partner-events (consumes): exists");
		expect(run.output).toContain("KV namespace edgesend-cache (CACHE): wrangler deploy creates it if missing");
		expect(run.output).toContain("send_email FALLBACK_EMAIL:");
		// No D1 declared: nothing to list, create or migrate. SMTP_USER comes from [vars].
		expect(run.output).not.toContain("secret put SMTP_USER");
		expect(run.output).toContain("npx wrangler secret put SMTP_PASS");
	});

	it("stops before creating anything when wrangler is not logged in, and says how to log in", async () => {
		const p = inProject({ ...freshAccount(), loggedIn: false });
		const run = await runDeploy(p);
		expect(run.code).toBe(1);
		expect(p.calls().map(commandOf)).toEqual(["whoami"]);
		expect(run.output).toContain("npx wrangler login");
	});

	it("stops when the login sees several accounts and none is chosen, listing them; CLOUDFLARE_ACCOUNT_ID chooses", async () => {
		const account = completeAccount();
		account.accounts = [
			{ id: "0a1b2c3d4e5f", name: "Example Ltd" },
			{ id: "9f8e7d6c5b4a", name: "Side project" },
		];
		const p = inProject(account);
		const stopped = await runDeploy(p);
		expect(stopped.code).toBe(1);
		expect(stopped.output).toContain("9f8e7d6c5b4a  Side project");
		expect(p.calls().map(commandOf)).toEqual(["whoami"]);
		const chosen = await deploys(p, [], { CLOUDFLARE_ACCOUNT_ID: "9f8e7d6c5b4a" });
		expect(chosen.output).toContain("account  Side project (9f8e7d6c5b4a)");
	});

	it("refuses flags that would deploy another Worker or config than the one it prepared", async () => {
		const p = inProject(freshAccount());
		const run = await runDeploy(p, ["--env", "staging"]);
		expect(run.code).toBe(1);
		expect(run.output).toContain("does not take --env");
		expect(p.calls()).toEqual([]);
	});

	it("stops at a failed step with wrangler's words, and deploys nothing", async () => {
		const p = inProject({ ...freshAccount(), failing: "queues create" });
		const run = await runDeploy(p);
		expect(run.code).toBe(1);
		expect(run.output).toContain("wrangler queues create edgesend-send-dlq failed; wrangler said:");
		expect(run.output).toContain("Authentication error [code: 10000]");
		expect(p.calls().map(commandOf)).not.toContain("deploy");
	});
});
