/**
 * The send path's own data, passed from stage to stage: a message ready for
 * the relay (prepare.ts), what the relay accepted, and what became of one
 * message (deliver.ts). Plain data; every stage imports it from here, so no
 * two stages import each other for a type.
 */
import type { ComposedMessage } from "../mime";
import type { Addresses, Tag } from "../store/types";
import type { Problem, Rejected } from "./problem";

/** A message ready for the relay. */
export interface Prepared {
	composed: ComposedMessage;
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
	/** The caller's tags (kept on the record, in every webhook). */
	tags: Tag[];
	/** The addresses as written, for the record. */
	addresses: Addresses;
}

/** A prepared message let through by the limiter, by its index in the request. */
export interface Admitted {
	index: number;
	prepared: Prepared;
}

/** What the relay accepted for one message. */
export interface Sent {
	id: string;
	messageId: string;
	accepted: string[];
	rejected: Rejected[];
	warnings: { code: string; path: string; message: string }[];
}

/** What became of one message on a session. */
export type Delivered = { ok: true; sent: Sent } | { ok: false; problem: Problem; release: boolean; cool: boolean };
