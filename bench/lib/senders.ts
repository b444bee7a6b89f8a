/**
 * Runs one send job with any client against a relay behind a latency proxy,
 * and checks that the relay really received what was sent (a run that did not
 * deliver everything is an error, never a fast figure).
 */
import type { ProviderRelay, RelaySecurity } from "../../test/fixtures/provider-relay.ts";
import { startRelay } from "../../test/fixtures/provider-relay.ts";
import type { NodemailerPeer } from "../peers/nodemailer-process.ts";
import type { Client, SendJob, SendResult } from "./jobs.ts";
import { type LatencyProxy, startProxy } from "./latency-proxy.ts";
import type { BenchWorker } from "./workerd.ts";

/** A relay and the latency proxy in front of it. */
export interface Link {
	relay: ProviderRelay;
	proxy: LatencyProxy;
	security: Exclude<RelaySecurity, "none">;
}

export async function openLink(security: Link["security"], oneWayMs: number): Promise<Link> {
	const relay = await startRelay({ security });
	const proxy = await startProxy({ targetPort: relay.port, oneWayMs });
	return { relay, proxy, security };
}

export async function closeLink(link: Link): Promise<void> {
	await link.proxy.close();
	await link.relay.close();
}

export interface Measured extends SendResult {
	/** Client round trips the relay saw before QUIT (SMTP commands only: TCP and TLS handshakes are not visible to it). */
	smtpFlights: number[];
	/** Mean size of the messages as the relay received them. */
	meanBytes: number;
}

/** Where the clients run: edgesend and worker-mailer in the bench worker, nodemailer in its own process. */
export interface Clients {
	worker: BenchWorker;
	nodemailer: NodemailerPeer;
}

export async function runSend(
	clients: Clients,
	client: Client,
	link: Link,
	job: Omit<SendJob, "port" | "security">,
): Promise<Measured> {
	const full: SendJob = { ...job, port: link.proxy.port, security: link.security };
	link.relay.reset();
	const result =
		client === "nodemailer"
			? await clients.nodemailer.send(full)
			: await clients.worker.post<SendResult>(`/${client}/send`, full);
	const received = link.relay.messages;
	if (received.length !== job.messages || result.delivered !== job.messages) {
		throw new Error(`${client}: relay received ${received.length} of ${job.messages} messages`);
	}
	const short = received.find((m) => m.rcptTo.length !== job.recipients);
	if (short)
		throw new Error(
			`${client}: a message reached the relay with ${short.rcptTo.length} of ${job.recipients} recipients`,
		);
	const smtpFlights = link.relay.connections.map(
		(c) => new Set(c.packets.filter((p) => !/^QUIT\r\n/i.test(p.text)).map((p) => p.flight)).size,
	);
	const meanBytes = received.reduce((sum, m) => sum + m.data.length, 0) / received.length;
	return { ...result, smtpFlights, meanBytes };
}
