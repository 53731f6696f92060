/**
 * `@effect/platform`'s `CommandExecutor` on this library's process resource: the same service as
 * `@effect/platform-node`'s `NodeCommandExecutor`, so existing code that uses `Command` (`Command.string`,
 * `Command.lines`, `Command.streamLines`, `Command.exitCode`, `Command.start`) gets every guarantee by swapping one
 * import. What changes: the release (and any interruption) terminates the whole process group with a bounded grace,
 * also after the leader exited 0; output is always drained, so `exitCode` never deadlocks; the helpers give the child
 * an empty stdin unless the command has one (`start` keeps the pipe); collecting is linear; the parent-death reaper
 * covers every process. What deliberately does not: the `Process` interface, the helpers' results, a non-zero exit as
 * a value of `exitCode`, and failures as `SystemError` (`NotFound`, `PermissionDenied`, ...) or `BadArgument`.
 *
 * `NodeProcess.layer` provides it.
 *
 * @since 0.2.0
 */
import type * as CommandExecutor from "@effect/platform/CommandExecutor"
import type * as Layer from "effect/Layer"
import * as internal from "./internal/commandExecutor.js"
import * as nodeSpawner from "./internal/nodeSpawner.js"

/**
 * The `CommandExecutor`, on the Node spawner with the process-wide parent-death reaper.
 *
 * @example
 * import { Command } from "@effect/platform"
 * import { Effect } from "effect"
 * import { NodeCommandExecutor } from "@effect-process/node"
 *
 * // unchanged @effect/platform code, on this library's executor
 * const version = Command.string(Command.make("git", "--version")).pipe(Effect.provide(NodeCommandExecutor.layer))
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<CommandExecutor.CommandExecutor> = internal.layerWith(nodeSpawner.spawner)

/**
 * The `CommandExecutor` without the parent-death reaper (see `NodeProcess.layerWithoutReaper`).
 *
 * @example
 * import { Command } from "@effect/platform"
 * import { Effect } from "effect"
 * import { NodeCommandExecutor } from "@effect-process/node"
 *
 * const code = Command.exitCode(Command.make("true")).pipe(Effect.provide(NodeCommandExecutor.layerWithoutReaper))
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWithoutReaper: Layer.Layer<CommandExecutor.CommandExecutor> = internal.layerWith(
  nodeSpawner.spawnerWithoutReaper
)
