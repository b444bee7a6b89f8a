/**
 * The recovery test's relay: the suite's imitation of the provider's server
 * (STARTTLS, AUTH, `250 #id#Queued`, `536` past a per-minute budget), with
 * every accepted message counted per Message-ID and recipient and timed, so
 * the test can tell a message that reached it twice, or never, and when.
 * `onArrival` runs before the relay answers `250`: a crash started there
 * catches a delivery between the relay taking it and edgesend hearing so.
 */
import { ProviderRelay } from "../fixtures/provider-relay.ts";

export interface Arrival {
	messageId: string;
	recipient: string;
	at: number;
}

export interface RelayTally {
	relay: ProviderRelay;
	arrivals: Arrival[];
	/** How many `536 Frequency limited` replies it gave. */
	refusals(): number;
	/** Called after each accepted message, with how many have arrived in all. */
	onArrival?: (count: number) => void;
}

const MESSAGE_ID = /^Message-ID:[ \t]*(<[^>\r\n]+>)/im;

export async function startRelayTally(
	credentials: { user: string; pass: string },
	perMinute: number,
): Promise<RelayTally> {
	const tally: RelayTally = {
		relay: new ProviderRelay({
			security: "starttls",
			host: "127.0.0.1",
			users: { [credentials.user]: credentials.pass },
			perMinute,
			onMessage: (message) => {
				const messageId = MESSAGE_ID.exec(message.data)?.[1] ?? "(no Message-ID)";
				for (const recipient of message.rcptTo) {
					tally.arrivals.push({ messageId, recipient: recipient.toLowerCase(), at: message.receivedAt });
				}
				tally.onArrival?.(tally.relay.messages.length);
			},
		}),
		arrivals: [],
		refusals: () => tally.relay.connections.flatMap((c) => c.replies).filter((reply) => reply.startsWith("536")).length,
	};
	await tally.relay.listen();
	return tally;
}
