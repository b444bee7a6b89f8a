/**
 * A TCP proxy that adds a one-way delay to each direction, so loopback
 * behaves like a network with a set round-trip time (default 10 ms each way).
 *
 * Every chunk is held for the one-way delay counted from its own arrival (a
 * real propagation delay, not one delay per chunk in series) and chunks keep
 * their order. The TCP handshake is modelled too: the upstream connection is
 * opened 1.5 round trips after the client's, when a real server's accept()
 * would return, so "connect and greeting" costs 2 round trips as on a network.
 */
import net from "node:net";
import { listen, OpenSockets, portOf } from "../../test/fixtures/loopback.ts";

export interface LatencyProxyOptions {
	/** Where to forward to (on 127.0.0.1). */
	targetPort: number;
	/** Delay added to each direction, in milliseconds. */
	oneWayMs: number;
	/** Called for every chunk as it arrives (for debugging where round trips go). */
	trace?: (event: { connection: number; direction: "up" | "down"; bytes: number; at: number }) => void;
}

/** Writes chunks to `destination` `delayMs` after each one arrived, in arrival order. */
class DelayLine {
	private queue: { due: number; chunk: Buffer | null }[] = [];
	private timer: NodeJS.Timeout | undefined;
	private destination: net.Socket | undefined;
	private readonly delayMs: number;

	constructor(delayMs: number) {
		this.delayMs = delayMs;
	}

	/** Chunks that fall due before the destination exists wait for it. */
	attach(destination: net.Socket) {
		this.destination = destination;
		this.pump();
	}

	/** `null` is the end of the stream, delivered in order like data. */
	push(chunk: Buffer | null) {
		this.queue.push({ due: performance.now() + this.delayMs, chunk });
		if (this.queue.length === 1) this.pump();
	}

	stop() {
		clearTimeout(this.timer);
		this.queue.length = 0;
	}

	private pump = () => {
		this.timer = undefined;
		if (!this.destination) return;
		const now = performance.now();
		while (this.queue.length && this.queue[0].due <= now) {
			const { chunk } = this.queue.shift() as { chunk: Buffer | null };
			if (this.destination.destroyed) continue;
			if (chunk) this.destination.write(chunk);
			else this.destination.end();
		}
		if (this.queue.length) this.timer = setTimeout(this.pump, Math.max(0, this.queue[0].due - now));
	};
}

export class LatencyProxy {
	private server: net.Server;
	private sockets = new OpenSockets();
	private timers = new Set<NodeJS.Timeout>();
	/** Connections accepted so far (each client connection counts once). */
	connections = 0;
	private readonly options: LatencyProxyOptions;

	constructor(options: LatencyProxyOptions) {
		this.options = options;
		// Half-open like a real peer: an end travels through the delay line like data.
		this.server = net.createServer({ allowHalfOpen: true }, (client) => this.handle(client));
	}

	listen(): Promise<number> {
		return listen(this.server);
	}

	get port(): number {
		return portOf(this.server);
	}

	async close(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		await this.sockets.close(this.server);
	}

	private later(fn: () => void, ms: number) {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			fn();
		}, ms);
		this.timers.add(timer);
	}

	private track(socket: net.Socket) {
		this.sockets.add(socket);
		socket.setNoDelay(true);
	}

	private handle(client: net.Socket) {
		this.connections++;
		this.track(client);
		const { oneWayMs, targetPort } = this.options;
		const upstreamLine = new DelayLine(oneWayMs);
		const downstreamLine = new DelayLine(oneWayMs);
		downstreamLine.attach(client);
		const id = this.connections;
		const trace = this.options.trace;
		client.on("data", (chunk) => {
			trace?.({ connection: id, direction: "up", bytes: chunk.length, at: performance.now() });
			upstreamLine.push(chunk);
		});
		client.on("end", () => upstreamLine.push(null));

		let upstream: net.Socket | undefined;
		const teardown = () => {
			upstreamLine.stop();
			downstreamLine.stop();
			client.destroy();
			upstream?.destroy();
		};
		// Either side going away travels too: let what is already in flight land first.
		const closeLater = () => this.later(teardown, oneWayMs + 5);
		client.on("close", closeLater);

		// SYN, SYN-ACK, ACK: the server sees the connection after 1.5 round trips.
		this.later(() => {
			if (client.destroyed) return;
			const socket = net.connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
			upstream = socket;
			this.track(socket);
			socket.on("connect", () => upstreamLine.attach(socket));
			socket.on("data", (chunk) => {
				trace?.({ connection: id, direction: "down", bytes: chunk.length, at: performance.now() });
				downstreamLine.push(chunk);
			});
			socket.on("end", () => downstreamLine.push(null));
			socket.on("close", closeLater);
		}, 3 * oneWayMs);
	}
}

export async function startProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
	const proxy = new LatencyProxy(options);
	await proxy.listen();
	return proxy;
}
