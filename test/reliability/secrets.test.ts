/**
 * The relay password never shows: the fault table (through the SMTP client
 * and through the API), the hostile-input corpus and a relay that echoes the
 * credentials back all run with a distinctive password, and neither it nor
 * its base64 may appear in any log line, error, trace, problem answer or
 * recorded transcript (commands, replies and message data; the raw AUTH
 * exchange itself is the one place it must travel).
 */
import { describe, expect, it } from "vitest";
import { type SmtpConfig, sendMail } from "../../src/smtp";
import { type FaultRecord, type FaultScript, startFaultRelay } from "../helpers/faults";
import { type RelayRecord, startRelay } from "../helpers/relay";
import { hostileCases } from "./hostile/index";
import { b64 } from "./hostile/types";
import { auth, call, postJson, relaySettings } from "./support/api";
import { faultCases } from "./support/fault-cases";
import { textMessage } from "./support/message";
import { captureConsole, errorTexts, leaksIn, needlesFor } from "./support/secrets";

const PASSWORD = `edgesend-Secret-${crypto.randomUUID().slice(0, 13)}-!#%`;
const needles = needlesFor(PASSWORD);
/** An api_user of its own per relay: a 536 among the faults cools its api_user down for a minute. */
const freshUser = () => `secrets_${crypto.randomUUID().slice(0, 8)}`;

/** Faults that end in silence teach nothing here (no words from the relay) and cost a timeout each. */
const spoken: { name: string; script: FaultScript }[] = faultCases.filter((c) => !c.hangs);

/** Relays that say the credentials back, to see that the client masks them. */
const echoing: { name: string; script: FaultScript }[] = [
	["AUTH", "auth", `535 5.7.8 Authentication failed for api_user/${PASSWORD}`],
	["AUTH", "auth", `535 5.7.8 Bad credentials ${b64(PASSWORD)}`],
	["MAIL", "mail", `550 5.7.1 We know you, ${b64(PASSWORD)}`],
	["the final dot", "message", `554 5.7.1 Not with password ${PASSWORD}`],
].map(([what, stage, reply]) => ({
	name: `a relay echoing the password at ${what}`,
	script: { security: "starttls", at: { [stage]: { reply } } },
}));

/** What the relay recorded; its replies only when it was not told to say the password itself. */
const transcript = (record: FaultRecord | RelayRecord, label: string, withReplies = true): [string, string][] => [
	...record.connections.flatMap((c): [string, string][] => [
		[`${label} commands`, c.commands.join("\n")],
		...(withReplies ? [[`${label} replies`, c.replies.join("\n")] as [string, string]] : []),
	]),
	...record.messages.map((m): [string, string] => [`${label} message data`, m.data]),
];

const answerText = async (response: Response, label: string): Promise<[string, string]> => [
	label,
	`${response.status}\n${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${await response.text()}`,
];

describe("the relay password never shows", () => {
	it("through the SMTP client: errors, traces and transcripts of every fault", async () => {
		const texts: [string, string][] = [];
		const console = captureConsole();
		try {
			for (const c of [...spoken, ...echoing]) {
				const user = freshUser();
				const relay = await startFaultRelay({ ...c.script, users: { [user]: PASSWORD } });
				const config: SmtpConfig = {
					host: "localhost",
					port: relay.port,
					security: c.script.security,
					user,
					pass: PASSWORD,
					ehloName: "edgesend.test",
					replyTimeoutMs: 5000,
					trace: (direction, line) => texts.push([`${c.name} trace`, `${direction}: ${line}`]),
				};
				await sendMail(config, textMessage(crypto.randomUUID())).then(
					(delivery) => texts.push([`${c.name} delivery`, JSON.stringify(delivery)]),
					(error: unknown) => texts.push(...errorTexts(error, `${c.name} error`)),
				);
				texts.push(...transcript(await relay.record(), c.name, !echoing.includes(c)));
				await relay.stop();
			}
		} finally {
			console.stop();
		}
		texts.push(...console.lines.map((line): [string, string] => ["console", line]));
		expect(texts.filter(([label]) => label.endsWith("trace")).length).toBeGreaterThan(100);
		expect(leaksIn(texts, needles)).toEqual([]);
	});

	it("through the API: answers, logs and transcripts of every fault", async () => {
		const texts: [string, string][] = [];
		const console = captureConsole();
		try {
			for (const c of [...spoken, ...echoing]) {
				const user = freshUser();
				const relay = await startFaultRelay({ ...c.script, users: { [user]: PASSWORD } });
				const settings = relaySettings(relay.port, c.script.security, { SMTP_USER: user, SMTP_PASS: PASSWORD });
				const response = await postJson(
					"/v1/send",
					{ from: "a@example.com", to: "b@example.com", subject: "s", text: "t" },
					settings,
				);
				texts.push(
					await answerText(response, `${c.name} answer`),
					...transcript(await relay.record(), c.name, !echoing.includes(c)),
				);
				await relay.stop();
			}
		} finally {
			console.stop();
		}
		texts.push(...console.lines.map((line): [string, string] => ["console", line]));
		expect(console.lines.length).toBeGreaterThan(0);
		expect(leaksIn(texts, needles)).toEqual([]);
	});

	it("through the API: the hostile-input corpus against the recording relay", async () => {
		const user = freshUser();
		const relay = await startRelay({ security: "starttls", users: { [user]: PASSWORD } });
		const texts: [string, string][] = [];
		const console = captureConsole();
		try {
			for (const c of hostileCases) {
				const settings = relaySettings(relay.port, "starttls", {
					...c.overrides,
					SMTP_USER: user,
					SMTP_PASS: PASSWORD,
				});
				const response = c.raw
					? await call(
							c.raw.path,
							{
								method: "POST",
								headers: auth,
								body: typeof c.raw.body === "string" ? c.raw.body : c.raw.body(),
							},
							settings,
						)
					: await postJson("/v1/send", c.message, settings);
				texts.push(await answerText(response, `${c.name} answer`));
			}
		} finally {
			console.stop();
		}
		const record = await relay.record();
		await relay.stop();
		expect(record.messages.length).toBeGreaterThan(30);
		texts.push(...transcript(record, "recording relay"));
		texts.push(...console.lines.map((line): [string, string] => ["console", line]));
		expect(leaksIn(texts, needles)).toEqual([]);
	});

	it("a password the client refuses to send is not repeated in the answer", async () => {
		const console = captureConsole();
		const texts: [string, string][] = [];
		try {
			const user = freshUser();
			const relay = await startRelay({ security: "starttls", users: { [user]: PASSWORD } });
			const broken = `${PASSWORD}\r\nNOOP`;
			const response = await postJson(
				"/v1/send",
				{ from: "a@example.com", to: "b@example.com", subject: "s", text: "t" },
				relaySettings(relay.port, "starttls", { SMTP_USER: user, SMTP_PASS: broken }),
			);
			expect(response.status).toBe(500);
			texts.push(await answerText(response, "answer"), ...transcript(await relay.record(), "relay"));
			await relay.stop();
		} finally {
			console.stop();
		}
		texts.push(...console.lines.map((line): [string, string] => ["console", line]));
		expect(leaksIn(texts, needles)).toEqual([]);
	});
});
