/**
 * Runs the `wrangler` on PATH for the deploy script: under `npm run deploy`
 * the project's own, in test/deploy/ a stand-in that records its calls.
 * Never with the terminal as input: wrangler then asks nothing, chooses
 * nothing for the user, and writes no resource ids back into wrangler.toml
 * (it does that only when it can ask).
 */
import { spawn } from "node:child_process";
import { stripVTControlCharacters } from "node:util";

export interface WranglerResult {
	code: number;
	/** Empty when the output was shown rather than kept. */
	stdout: string;
	stderr: string;
}

/** A step that cannot go on; the message says what failed and what to do. */
export class DeployStop extends Error {}

/**
 * `keep`: the output is kept for the caller (and colours are off);
 * `show`: it goes straight to this process's own output, as wrangler wrote it.
 */
export function runWrangler(args: string[], output: "keep" | "show" = "keep"): Promise<WranglerResult> {
	const stream = output === "show" ? "inherit" : "pipe";
	return new Promise((resolve, reject) => {
		const child = spawn("wrangler", args, {
			stdio: ["ignore", stream, stream],
			// npm's command shims on Windows are .cmd files, which only a shell runs.
			shell: process.platform === "win32",
			env: output === "keep" ? { ...process.env, FORCE_COLOR: "0" } : process.env,
		});
		let stdout = "";
		let stderr = "";
		child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
			stdout += chunk;
		});
		child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
			stderr += chunk;
		});
		child.once("error", (error) =>
			reject(new DeployStop(`could not run wrangler (${error.message}): run this as npm run deploy, after npm ci`)),
		);
		child.once("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
	});
}

/** Everything wrangler said, for a message (its errors come coloured even into a pipe). */
export const said = (result: WranglerResult) => stripVTControlCharacters(`${result.stdout}\n${result.stderr}`).trim();

/** Stops the deploy at a failed call, with wrangler's own words when it kept them. */
export function stopAt(what: string, result: WranglerResult): never {
	const words = said(result);
	throw new DeployStop(
		words ? `${what} failed; wrangler said:\n${indent(words)}` : `${what} failed (wrangler's output is above)`,
	);
}

/** The JSON value in a command's output (a `--json` answer, possibly after a line of wrangler's own). */
export function jsonOutput(what: string, result: WranglerResult): unknown {
	const text = result.stdout;
	const start = text.search(/[[{]/);
	const end = Math.max(text.lastIndexOf("]"), text.lastIndexOf("}"));
	try {
		if (start < 0 || end < start) throw new Error("no JSON");
		return JSON.parse(text.slice(start, end + 1));
	} catch {
		throw new DeployStop(`${what}: wrangler's answer is not the JSON expected:\n${indent(said(result))}`);
	}
}

export const indent = (text: string) =>
	text
		.split("\n")
		.map((line) => `    ${line}`)
		.join("\n");
