/**
 * The send path's own data, passed from stage to stage: a message ready for
 * the relay (prepare.ts), what the relay accepted, and what became of one
 * message (deliver.ts). Plain data; every stage imports it from here, so no
 * two stages import each other for a type.
 */
import type { ComposedMessage, MessageInput } from "../mime";
import type { Addresses, Tag } from "../store/types";
import type { Problem, Rejected } from "./problem";

/** A message ready for the relay. */
export interface Prepared {
	composed: ComposedMessage;
	/** What it was composed from: the provider's REST route sends fields, not bytes (absent for a spooled message). */
	input?: MessageInput;
	/** Its Subject, as the record keeps it. */
	subject: string;
	/** As the AUTH user's suffix: `api_user#<labelId>`. */
	labelId?: string;
	/** When to deliver it (RFC 3339), for a scheduled send. */
	sendAt?: string;
	/** Where each address that needs the relay's SMTPUTF8 sits (`from`, `to[1].email`, …), to name them if it lacks it. */
	utf8Paths: string[];
	/** Recipients refused before the relay (suppressed); they join the answer's `rejected`. */
	refused?: Rejected[];
	/** The caller's labels, kept on the record. */
	tags?: Tag[];
	/** The addresses as written, kept on the record for the views that show them so. */
	addresses?: Addresses;
}

/** A prepared message let through by the limiter, by its index in the request. */
export interface Admitted {
	index: number;
	prepared: Prepared;
}

/** Which route a message went by (issue 23): the first, or the second after the first failed or was skipped. */
export type { RouteName } from "../store/types";

import type { RouteName } from "../store/types";

/** What the relay accepted for one message. */
export interface Sent {
	/** The route's own id for the message. */
	id: string;
	route: RouteName;
	messageId: string;
	accepted: string[];
	rejected: Rejected[];
	warnings: { code: string; path: string; message: string }[];
}

/**
 * What became of one message on a route. A failure says, from its cause
 * (failover-rule.ts), whether the message may go to the second route
 * (`failover`: for the route's failure, or for the primary's rate limit) and
 * what the route's breaker should hear (`fault`). A message the second route
 * took after the first never had it gives the first's permit back (`release`).
 */
export type Delivered =
	| { ok: true; sent: Sent; release?: boolean }
	| {
			ok: false;
			problem: Problem;
			release: boolean;
			cool: boolean;
			failover?: "route" | "limit";
			fault?: string;
	  };
