/**
 * `npm run deploy`: edgesend on a Cloudflare account in one command, fresh
 * or not. Checks the login, creates what the Wrangler configuration declares
 * and `wrangler deploy` would not create itself (scripts/deploy/), applies the
 * D1 migrations that remain, runs `wrangler deploy`, then says which secrets
 * are still missing and how to set each. Run again, it creates nothing twice.
 * Arguments after `--` go to `wrangler deploy` (e.g. `--secrets-file .env.production`).
 */
import { relative } from "node:path";
import { whichAccount } from "./deploy/account.ts";
import { readDeclared } from "./deploy/declared.ts";
import { ensureDatabases, ensureQueues } from "./deploy/resources.ts";
import { describeSecrets, reportSecrets, secretsFileNames, workerSecretNames } from "./deploy/secrets.ts";
import { DeployStop, runWrangler, stopAt } from "./deploy/wrangler-cli.ts";

/** Flags that would make `wrangler deploy` act on another Worker or config than the one checked here. */
const REFUSED = new Map([
	["--env", "environments"],
	["-e", "environments"],
	["--config", "another config file"],
	["-c", "another config file"],
	["--name", "another Worker name"],
	["--dry-run", "a dry run (use npx wrangler deploy --dry-run: it needs no account)"],
]);

function deployArgs(argv: string[]): { passThrough: string[]; secretsFile?: string } {
	let secretsFile: string | undefined;
	argv.forEach((arg, i) => {
		const [flag, value] = arg.split(/=(.*)/s);
		const refused = REFUSED.get(flag);
		if (refused) throw new DeployStop(`npm run deploy does not take ${flag} (${refused})`);
		if (flag === "--secrets-file") secretsFile = value ?? argv[i + 1];
	});
	return { passThrough: argv, secretsFile };
}

async function deploy(argv: string[]): Promise<void> {
	const args = deployArgs(argv);
	const declared = readDeclared();
	console.log(`edgesend deploy: Worker "${declared.worker}"`);
	const account = await whichAccount(declared.accountId);
	console.log(`  account  ${account.label}`);

	console.log("\nResources");
	const outcomes = [...(await ensureDatabases(declared.databases)), ...(await ensureQueues(declared.queues))];
	for (const line of outcomes) console.log(`  ${line}`);
	for (const line of [...declared.createdByDeploy, ...declared.setUpElsewhere]) console.log(`  ${line}`);

	for (const db of declared.databases) {
		if (!db.migrations) continue;
		console.log(`\nD1 migrations of ${db.name} (${db.binding}) from ${relative(process.cwd(), db.migrations)}/`);
		const applied = await runWrangler(["d1", "migrations", "apply", db.binding, "--remote"], "show");
		if (applied.code !== 0) stopAt(`wrangler d1 migrations apply ${db.binding} --remote`, applied);
	}

	console.log("\nwrangler deploy");
	const deployed = await runWrangler(["deploy", ...args.passThrough], "show");
	if (deployed.code !== 0) stopAt("wrangler deploy", deployed);

	console.log("\nSecrets");
	const set = new Set([
		...(await workerSecretNames()),
		...declared.vars,
		...(args.secretsFile ? secretsFileNames(args.secretsFile) : []),
	]);
	for (const line of describeSecrets(reportSecrets(set))) console.log(line);
}

try {
	await deploy(process.argv.slice(2));
} catch (error) {
	if (!(error instanceof DeployStop)) throw error;
	console.error(`\nnpm run deploy: ${error.message}`);
	process.exitCode = 1;
}
