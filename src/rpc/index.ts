/** The RPC door for other Workers: the entrypoint (exported by src/index.ts) and the types a caller uses. */
export { EdgeSend } from "./entrypoint";
export type * from "./types";
