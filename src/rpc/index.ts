/** The RPC door's types, as a caller sees them (the entrypoint class is src/edgesend.ts). */
export type * from "./types";
