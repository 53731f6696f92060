/**
 * The second baseline: the raw driver's code, unchanged, in a worker that has first loaded the whole `effect` and
 * `@effect/platform-node` packages (their index modules) and built a runtime with `NodeContext.layer`, so that its
 * heap looks like that of a real Effect program. Forks are slower in a bigger process and pipe reads are slower with
 * Effect's heap: this is the floor an Effect program has before any library is involved.
 */
import * as PlatformNode from "@effect/platform-node"
import * as EffectIndex from "effect"
import type { Driver } from "../types.js"
import { driver as raw } from "./raw.js"

/** Kept for the life of the worker, as an Effect program keeps its runtime. */
export const runtime = EffectIndex.ManagedRuntime.make(PlatformNode.NodeContext.layer)

export const driver: Driver = {
  ...raw,
  init: async () => {
    await runtime.runtime()
  }
}
