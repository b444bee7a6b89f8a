/**
 * What a calling Worker imports: `toProblem` and the types of `env.EMAIL`.
 * Nothing here pulls in edgesend itself (only type imports and
 * rpc/errors.ts), so it costs the caller's bundle a few lines.
 */
export type { EdgeSend } from "./edgesend";
export { toProblem } from "./rpc/errors";
export type * from "./rpc/types";
