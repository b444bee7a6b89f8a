#!/usr/bin/env node
/**
 * A stand-in for the `wrangler` CLI, for the deploy script's tests: copied
 * by test/deploy/stand-in.ts into a temporary folder as `wrangler`, first on
 * PATH. It answers the commands the deploy script uses the way wrangler
 * 4.156 does (its words, its JSON, its exit codes), from an account kept in
 * account.json beside it, which its create and deploy commands change; and
 * it appends every call to calls.jsonl there. A command it does not know
 * fails, so a test sees any call the script was not meant to make.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const here = dirname(process.argv[1]);
const accountFile = join(here, "account.json");
const args = process.argv.slice(2);
appendFileSync(join(here, "calls.jsonl"), `${JSON.stringify(args)}\n`);
const account = JSON.parse(readFileSync(accountFile, "utf8"));
const save = () => writeFileSync(accountFile, JSON.stringify(account, null, 2));
const fail = (message) => {
	process.stderr.write(`✘ [ERROR] ${message}\n`);
	process.exit(1);
};
// Words, not flags (a flag's value may follow, after the words that name the command).
const words = args.filter((a) => !a.startsWith("-"));
const command = ["deploy", "whoami"].includes(words[0]) ? words[0] : words.slice(0, 2).join(" ");
const positional = (n) => words[n];

if (!account.loggedIn && command !== "whoami") {
	fail("In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable");
}
if (command === account.failing) fail("Authentication error [code: 10000]");
switch (command) {
	case "whoami": {
		if (!account.loggedIn) {
			console.log(JSON.stringify({ loggedIn: false }));
			process.exit(1);
		}
		console.log(
			JSON.stringify(
				{ loggedIn: true, authType: "OAuth Token", email: "ops@example.com", accounts: account.accounts },
				null,
				2,
			),
		);
		break;
	}
	case "d1 list":
		console.log(
			JSON.stringify(
				account.databases.map((name, i) => ({ uuid: `0000000${i}-d1`, name, version: "production", num_tables: 4 })),
				null,
				2,
			),
		);
		break;
	case "d1 create": {
		const name = positional(2);
		account.databases.push(name);
		save();
		console.log(`✅ Successfully created DB '${name}' in region WEUR\nCreated your new D1 database.\n`);
		console.log(
			`To access your new D1 Database in your Worker, add the following snippet to your configuration file:\n[[d1_databases]]\nbinding = "${name}"\ndatabase_name = "${name}"\ndatabase_id = "0000000f-d1"`,
		);
		break;
	}
	case "d1 migrations": {
		if (positional(2) !== "apply" || !args.includes("--remote")) fail(`stand-in: unexpected ${args.join(" ")}`);
		if (account.migrated) console.log("✅ No migrations to apply!");
		else console.log(`Migrations to be applied:\n│ 0001_initial.sql │\n🚣 Executed 1 migration`);
		account.migrated = true;
		save();
		break;
	}
	case "queues info": {
		const name = positional(2);
		if (!account.queues.includes(name)) {
			fail(`Queue "${name}" does not exist. To create it, run: wrangler queues create ${name}`);
		}
		console.log(`Queue Name: ${name}\nQueue ID: q-${name}\nNumber of Producers: 0\nNumber of Consumers: 0`);
		break;
	}
	case "queues create": {
		const name = positional(2);
		if (account.queues.includes(name)) fail(`A queue with this name already exists. [code: 11009]`);
		account.queues.push(name);
		save();
		console.log(`🌀 Creating queue '${name}'\n✅ Created queue '${name}'`);
		break;
	}
	case "secret list": {
		if (!account.worker.deployed) {
			fail(
				`Worker "${account.worker.name}" not found.\n\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`,
			);
		}
		console.log(
			JSON.stringify(
				account.worker.secrets.map((name) => ({ name, type: "secret_text" })),
				null,
				"  ",
			),
		);
		break;
	}
	case "deploy": {
		account.worker.deployed = true;
		save();
		console.log(
			`Uploaded ${account.worker.name}\nDeployed ${account.worker.name} triggers\n  https://${account.worker.name}.example.workers.dev`,
		);
		break;
	}
	default:
		fail(`stand-in: unexpected call: wrangler ${args.join(" ")}`);
}
