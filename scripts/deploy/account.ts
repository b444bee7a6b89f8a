/**
 * Which Cloudflare account the deploy acts on, asked of wrangler before
 * anything is created: not logged in, or several accounts and nothing to
 * choose between them, stops here with what to do, instead of failing (or
 * prompting) halfway through.
 */
import { DeployStop, jsonOutput, runWrangler, stopAt } from "./wrangler-cli.ts";

interface Whoami {
	loggedIn?: boolean;
	email?: string;
	accounts?: { id: string; name: string }[];
}

export interface Account {
	/** How to name it in the output: "name (id)", or the id alone when given without a name. */
	label: string;
}

export async function whichAccount(configAccountId: string | undefined): Promise<Account> {
	const result = await runWrangler(["whoami", "--json"]);
	// Logged out, it still answers JSON ({"loggedIn":false}); no JSON at all is a failure of its own.
	if (!result.stdout.includes("{")) stopAt("wrangler whoami --json", result);
	const who = jsonOutput("wrangler whoami --json", result) as Whoami;
	if (!who.loggedIn) {
		throw new DeployStop(
			"wrangler is not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then npm run deploy again",
		);
	}
	const accounts = who.accounts ?? [];
	const chosen = process.env.CLOUDFLARE_ACCOUNT_ID || configAccountId;
	if (chosen) {
		const known = accounts.find((a) => a.id === chosen);
		return { label: known ? `${known.name} (${known.id})` : chosen };
	}
	if (accounts.length === 1) return { label: `${accounts[0].name} (${accounts[0].id})` };
	if (accounts.length === 0) throw new DeployStop("this login sees no Cloudflare account");
	throw new DeployStop(
		[
			"this login sees several accounts; say which one, e.g. CLOUDFLARE_ACCOUNT_ID=<id> npm run deploy:",
			...accounts.map((a) => `    ${a.id}  ${a.name}`),
		].join("\n"),
	);
}
