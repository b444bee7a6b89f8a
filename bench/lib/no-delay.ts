/**
 * Turns off Nagle's algorithm on every TCP connection a server in this process
 * accepts (the relay included), through Node's public diagnostics channel.
 *
 * Why: the relay writes a multi-line or pipelined answer as several writes;
 * with Nagle on, every write after the first waits for the proxy's delayed ACK
 * (40 ms on Linux loopback), which would show up as two phantom round trips
 * per answer and hide exactly the pipelining the bench is meant to show.
 */
import diagnostics from "node:diagnostics_channel";
import type net from "node:net";

let installed = false;

export function acceptWithNoDelay(): void {
	if (installed) return;
	installed = true;
	diagnostics.subscribe("net.server.socket", (message) => {
		(message as { socket: net.Socket }).socket.setNoDelay(true);
	});
}
