/**
 * What makes an idempotent retry name the same messages: with an
 * Idempotency-Key, each message of a request gets a seed from the caller, the
 * key and its place in the request. The seed picks its ref (store/ref.ts) and
 * feeds the composer's randomness (Message-ID, MIME boundaries), and the key's
 * first time is its Date: a retry of a request that died after queuing some
 * of its messages accepts the very same records and bytes again, instead of
 * new ones (issue 20, finding 3).
 */

export interface RequestIdentity {
	/** `caller.id`: keys are scoped by caller. */
	caller: string;
	key: string;
	/** When the key was first begun with this request (IdempotencyStore.begin). */
	since: number;
}

/** SHA-256 of the caller, the key and the message's index in its request. */
export async function messageSeed(identity: RequestIdentity, index: number): Promise<Uint8Array> {
	const text = `${identity.caller}\n${identity.key}\n${index}`;
	return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * A deterministic stream of bytes from a seed (xoshiro128**, seeded with its
 * first 16 bytes): the composer asks for random bytes synchronously.
 */
export function seededRandom(seed: Uint8Array): (n: number) => Uint8Array {
	const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
	const s = [0, 4, 8, 12].map((offset) => view.getUint32(offset) | 0) as [number, number, number, number];
	if (s.every((v) => v === 0)) s[0] = 1;
	const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
	const next = (): number => {
		const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9);
		const t = s[1] << 9;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = rotl(s[3], 11);
		return result >>> 0;
	};
	return (n) => {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i += 4) {
			const word = next();
			for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
		}
		return out;
	};
}

/** The composer's options for a seeded message: its clock the key's first time, its randomness the seed's. */
export const seededCompose = (seed: Uint8Array, since: number) => ({
	now: new Date(since),
	random: seededRandom(seed),
});
