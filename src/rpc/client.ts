/**
 * What a calling Worker imports: `toProblem` and the types of `env.EMAIL`.
 * Nothing here pulls in edgesend itself (only type imports and errors.ts), so
 * it costs the caller's bundle a few lines.
 */
export type { EdgeSend } from "./entrypoint";
export { toProblem } from "./errors";
export type * from "./types";
