/**
 * Bounds the request body before anything reads it: by Content-Length when
 * given, else while streaming (hono/body-limit). The bound is the largest
 * message plus room for the JSON around it: base64 in JSON is about the size
 * of the base64 in the MIME message it becomes.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ProblemError } from "../../send/problem";
import type { AppEnv } from "../types";

/** Room for field names, quoting and addresses beyond the message bytes. */
export const JSON_OVERHEAD_BYTES = 64 * 1024;

export const limitBody = (): MiddlewareHandler<AppEnv> =>
	async function limitBody(c, next) {
		const maxSize = c.get("config").maxMessageBytes + JSON_OVERHEAD_BYTES;
		return bodyLimit({
			maxSize,
			onError: () => {
				throw new ProblemError("payload_too_large", `the request body is larger than ${maxSize} bytes`);
			},
		})(c, next);
	};
