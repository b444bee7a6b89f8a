// edgesend's side of the inbox: each message's ref and status, from the
// worker's records matched to the relay's outbox by relay id, and the
// records that are not at the relay (queued, scheduled, or ended before it).
import { el, time } from "./dom.js";

// One colour per kind of state, not per status: waiting, on its way, at the
// relay, arrived, went wrong, nothing more will happen.
const TONE = {
	queued: "waiting",
	scheduled: "waiting",
	sending: "busy",
	soft_bounced: "busy",
	sent: "sent",
	delivered: "good",
	bounced: "bad",
	complained: "bad",
	failed: "bad",
	canceled: "quiet",
	unknown: "quiet",
};

/** A status badge; `data-status` keeps the status as the API spells it. */
export function pill(status) {
	const badge = el("span", { className: `pill ${TONE[status] ?? "quiet"}`, textContent: status.replace("_", " ") });
	badge.dataset.status = status;
	return badge;
}

/** The latest records the inbox server passed on, by relay id. */
export class RecordIndex {
	byRelayId = new Map();
	notAtRelay = [];
	/** Why statuses are missing, when they are. */
	error = undefined;

	take(snapshot) {
		this.byRelayId = new Map(snapshot.records.filter((r) => r.relayId).map((r) => [r.relayId, r]));
		this.notAtRelay = snapshot.records.filter((r) => !r.relayId);
		this.error = snapshot.ok ? undefined : snapshot.error;
	}

	of(relayId) {
		return this.byRelayId.get(relayId);
	}
}

/** Fills a message row's status and id slots: the ref when edgesend has a record of it, else the relay id. */
export function paintRow(li, record) {
	li.querySelector(".state").replaceChildren(...(record ? [pill(record.status)] : []));
	const id = li.querySelector(".ref");
	id.textContent = record ? record.ref : li.dataset.relayId;
	id.title = record ? `edgesend ref · relay id ${li.dataset.relayId}` : "relay id (edgesend has no record of it)";
}

const reason = (error) =>
	error && typeof error === "object" ? (error.detail ?? error.code ?? JSON.stringify(error)) : error;

/** A record that has no relay id: nothing to open, so the row says what it is waiting for or why it ended. */
export function pendingRow(r) {
	const when = r.status === "scheduled" && r.sendAt ? `sends ${time(r.sendAt)}` : time(r.createdAt);
	const why = reason(r.lastError);
	const li = el(
		"li",
		{ className: "pending", title: r.subject },
		el("span", { className: "from", textContent: r.from }),
		el("span", { className: "time", textContent: when }),
		el("span", { className: "subject", textContent: r.subject || "(no subject)" }),
		el("span", { className: "state" }, pill(r.status)),
		el("span", { className: "small", textContent: `to ${r.to.join(", ")}${why ? ` · ${why}` : ""}` }),
		el("code", { className: "small ref", textContent: r.ref, title: "edgesend ref" }),
	);
	li.dataset.ref = r.ref;
	return li;
}
