/**
 * The floor of an Effect 4 program: the raw driver's code (the benchmark's drivers/raw.ts), unchanged, in a Node 22
 * worker that has first loaded the whole `effect` 4 and `@effect/platform-node` 4 packages (their index modules) and
 * built a runtime with `NodeServices.layer`, as the benchmark's rawEffect does for Effect 3.
 */
import { driver as raw } from "@effect-process/benchmark/drivers/raw"
import type { Driver } from "@effect-process/benchmark/types"
import * as PlatformNode from "@effect/platform-node"
import * as EffectIndex from "effect"

/** Kept for the life of the worker, as an Effect program keeps its runtime. */
export const runtime = EffectIndex.ManagedRuntime.make(PlatformNode.NodeServices.layer)

export const driver: Driver = {
  ...raw,
  init: async () => {
    await runtime.context()
  }
}
