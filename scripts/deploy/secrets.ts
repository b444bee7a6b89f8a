/**
 * The secrets edgesend reads (src/config.ts validates them), which of them a
 * deploy still lacks, and how to set each. A name counts as set when the
 * Worker has it as a secret, when [vars] gives it, or when a --secrets-file
 * passed to the deploy carries it. Read after the deploy, which a missing
 * secret does not stop: the Worker then exists, each `wrangler secret put`
 * goes straight onto it (before a first deploy wrangler would offer an
 * empty draft Worker instead), and until then it answers config_invalid
 * naming the setting, sending nothing.
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { DeployStop, jsonOutput, runWrangler, said, stopAt } from "./wrangler-cli.ts";

export interface SecretSpec {
	name: string;
	/** What it is, in a few words. */
	what: string;
	/** Needed unless one of these is set instead. */
	orElse?: string[];
	/** Needed only together with this setting. */
	with?: string;
	/** Never needed. */
	optional?: true;
}

export const SECRETS: SecretSpec[] = [
	{ name: "SMTP_USER", what: "the provider's api_user" },
	{ name: "SMTP_PASS", what: "the provider's api_key" },
	{
		name: "API_KEYS",
		what: "bearer keys for your servers, comma-separated (openssl rand -hex 24 makes one)",
		orElse: ["WEBHOOK_SECRET", "PUBLIC_KEYS"],
	},
	{ name: "WEBHOOK_SECRET", what: "whsec_… secret of signed webhook calls to /v1/send and /v1/batch", optional: true },
	{ name: "ENGAGELAB_WEBHOOK_KEY", what: "the provider's app key, to accept its event callbacks", optional: true },
	{
		name: "EVENTS_WEBHOOK_SECRET",
		what: "whsec_… secret that signs the events edgesend posts",
		with: "EVENTS_WEBHOOK_URL",
	},
	{ name: "FALLBACK_SMTP_USER", what: "the second relay's user (docs/failover.md)", with: "FALLBACK_SMTP_HOST" },
	{ name: "FALLBACK_SMTP_PASS", what: "the second relay's password", with: "FALLBACK_SMTP_HOST" },
];

export interface SecretsReport {
	/** Needed and not set: the Worker answers 500 config_invalid naming them until they are. */
	missing: SecretSpec[];
	/** Not needed and not set. */
	unset: SecretSpec[];
}

export function reportSecrets(set: ReadonlySet<string>, specs: SecretSpec[] = SECRETS): SecretsReport {
	const report: SecretsReport = { missing: [], unset: [] };
	for (const spec of specs) {
		if (set.has(spec.name)) continue;
		const needed = spec.with
			? set.has(spec.with)
			: !spec.optional && !(spec.orElse ?? []).some((other) => set.has(other));
		(needed ? report.missing : report.unset).push(spec);
	}
	return report;
}

/** The Worker's secret names; none when it does not exist yet (a first deploy). */
export async function workerSecretNames(): Promise<string[]> {
	const listed = await runWrangler(["secret", "list", "--format", "json"]);
	if (listed.code !== 0) {
		// What wrangler says of a Worker that was never deployed.
		if (/Worker "[^"]+"[^\n]* not found/.test(said(listed))) return [];
		stopAt("wrangler secret list", listed);
	}
	const answer = jsonOutput("wrangler secret list --format json", listed);
	if (!Array.isArray(answer)) stopAt("wrangler secret list --format json (not a list)", listed);
	return answer.map((secret: { name?: unknown }) => String(secret.name));
}

/** The names in a --secrets-file (dotenv or JSON, as wrangler deploy reads it). */
export function secretsFileNames(path: string): string[] {
	let text: string;
	try {
		text = readFileSync(path, "utf8");
	} catch (error) {
		throw new DeployStop(`--secrets-file ${path}: ${error instanceof Error ? error.message : error}`);
	}
	if (text.trimStart().startsWith("{")) {
		try {
			return Object.keys(JSON.parse(text));
		} catch {
			throw new DeployStop(`--secrets-file ${path} starts like JSON but is not`);
		}
	}
	return Object.keys(parseEnv(text));
}

export function describeSecrets(report: SecretsReport): string[] {
	const lines: string[] = [];
	if (!report.missing.length) lines.push("  every secret edgesend needs is set");
	for (const spec of report.missing) {
		const instead = spec.orElse ? `; or set ${spec.orElse.join(" or ")}` : "";
		lines.push(`  missing   ${spec.name}: ${spec.what}${instead}`, `            npx wrangler secret put ${spec.name}`);
	}
	for (const spec of report.unset) {
		const when = spec.with ? ` (needed once ${spec.with} is set)` : "";
		lines.push(`  optional  ${spec.name}: ${spec.what}${when}`);
	}
	if (report.missing.length) {
		lines.push(
			"",
			"The Worker is deployed, and answers 500 config_invalid naming a missing secret until it is set.",
			"Each `secret put` asks for the value (so it stays out of your shell history) and takes effect at once,",
			"with no new deploy.",
		);
	}
	return lines;
}
