/**
 * A drop-in for `@effect/platform-node`'s `NodeChildProcessSpawner`: Effect 4's `ChildProcessSpawner` service
 * (`effect/process`) on this library's process resource. Code written against `ChildProcess` keeps Effect 4's
 * contract and gets bounded termination of the whole process group with SIGKILL escalation by default, drained
 * output, group clean-up after a leader's exit 0, an empty stdin for the run-to-completion helpers, and the
 * parent-death reaper. `NodeProcess.layer` provides it too.
 *
 * @since 0.1.0
 */
import type * as Layer from "effect/Layer"
import type { ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import * as internal from "./internal/childProcessSpawner.js"
import * as nodeSpawner from "./internal/nodeSpawner.js"

/**
 * The `ChildProcessSpawner`, with the process-wide parent-death reaper. Unlike platform-node's layer it needs no
 * `FileSystem` or `Path`.
 *
 * @example
 * import { Effect, Stream } from "effect"
 * import { ChildProcess } from "effect/process"
 * import { NodeChildProcessSpawner } from "@effect-process/platform-node"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const handle = yield* ChildProcess.make("ls", ["-l"])
 *     return yield* Stream.mkString(Stream.decodeText(handle.stdout))
 *   })
 * ).pipe(Effect.provide(NodeChildProcessSpawner.layer))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ChildProcessSpawner> = internal.layerWith(nodeSpawner.spawner)

/**
 * `layer` without the parent-death reaper.
 *
 * @example
 * import { Effect } from "effect"
 * import { ChildProcess, ChildProcessSpawner } from "effect/process"
 * import { NodeChildProcessSpawner } from "@effect-process/platform-node"
 *
 * const code = ChildProcessSpawner.ChildProcessSpawner.use((spawner) =>
 *   spawner.exitCode(ChildProcess.make("true"))
 * ).pipe(Effect.provide(NodeChildProcessSpawner.layerWithoutReaper))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutReaper: Layer.Layer<ChildProcessSpawner> = internal.layerWith(nodeSpawner.spawnerWithoutReaper)
