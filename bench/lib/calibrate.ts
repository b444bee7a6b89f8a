/**
 * Measures the round-trip time a latency proxy really gives (timers fire a
 * little late, and the event loop is shared), so round-trip counts divide by
 * what the wire did rather than by what was asked for.
 */
import net from "node:net";
import { closeServer, listen } from "../../test/fixtures/loopback.ts";
import { startProxy } from "./latency-proxy.ts";
import { median } from "./stats.ts";

/** Median of `pings` one-byte ping-pongs through a fresh proxy to an echo server. */
export async function measureRtt(oneWayMs: number, pings = 20): Promise<number> {
	const echo = net.createServer((socket) => socket.pipe(socket));
	const echoPort = await listen(echo);
	const proxy = await startProxy({ targetPort: echoPort, oneWayMs });
	const socket = net.connect({ host: "127.0.0.1", port: proxy.port });
	socket.setNoDelay(true);
	try {
		await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
		const samples: number[] = [];
		for (let i = 0; i < pings; i++) {
			const start = performance.now();
			const echoed = new Promise<void>((resolve) => socket.once("data", () => resolve()));
			socket.write("x");
			await echoed;
			// The first ping also waits for the modelled TCP handshake: not a round trip.
			if (i > 0) samples.push(performance.now() - start);
		}
		return median(samples);
	} finally {
		socket.destroy();
		await proxy.close();
		await closeServer(echo);
	}
}
