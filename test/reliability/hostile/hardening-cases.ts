/**
 * Inputs from the outside review (issue 11): headers the relay reads as
 * delivery instructions, whose recipient list would bypass every check of ours.
 */
import { b64, type HostileCase, inGroup, reject, withPatch } from "./types";

const smtpapi = b64(JSON.stringify({ to: ["victim1@example.net", "victim2@example.net"], sub: { "%n%": ["a", "b"] } }));

const relayControl: HostileCase[] = inGroup("headers the relay reads as instructions", [
	...["X-SMTPAPI", "x-smtpapi", "X-SmtpApi"].map((name) => ({
		name: `${name} in headers`,
		message: withPatch({ headers: { [name]: smtpapi } }),
		expect: reject(`headers[${JSON.stringify(name)}]`),
	})),
]);

export const hardeningCases: HostileCase[] = [...relayControl];
