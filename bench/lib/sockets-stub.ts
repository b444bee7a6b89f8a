/**
 * `cloudflare:sockets` for Node: the composition child loads worker-mailer
 * only for its Email class, which never opens a socket.
 */
export function connect(): never {
	throw new Error("cloudflare:sockets is not available in Node (composition only)");
}
