/**
 * The small platform service the Effect 4 line needs: start a process in a new process group with its pipes,
 * signal the group, and ask whether anything of the group is still alive. `@effect-process/platform-node`
 * implements it for Node.js. The data (the request, the environment, the listeners, the exit) is
 * `@effect-process/engine`'s, shared with the Effect 3 line; the control path is Effect 4's.
 *
 * @since 0.1.0
 */
import * as Spawn from "@effect-process/engine/Spawn"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { ProcessError } from "./ProcessError.js"

/**
 * How a standard stream of the child is connected.
 *
 * @since 0.1.0
 * @category models
 */
export type StdioMode = Spawn.StdioMode

/**
 * A POSIX signal name.
 *
 * @since 0.1.0
 * @category models
 */
export type Signal = Spawn.Signal

/**
 * How the child's environment is built from the parent's.
 *
 * @since 0.1.0
 * @category models
 */
export type EnvironmentSpec = Spawn.EnvironmentSpec

/**
 * Builds the child's environment from the parent's: optionally start from `base`, drop `unset` names and prefixes,
 * then apply `set`.
 *
 * @example
 * import { resolveEnvironment } from "effect-process/ProcessSpawner"
 *
 * resolveEnvironment({ PATH: "/bin", COVERAGE_FILE: "x" }, { extend: true, unset: ["COVERAGE*"], set: { A: "1" } })
 * // { PATH: "/bin", A: "1" }
 *
 * @since 0.1.0
 * @category utils
 */
export const resolveEnvironment: (
  base: Readonly<Record<string, string | undefined>>,
  spec: EnvironmentSpec
) => Record<string, string> = Spawn.resolveEnvironment

/**
 * What to start.
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnRequest = Spawn.SpawnRequest

/**
 * How a process ended: an exit code, or the signal that killed it.
 *
 * @since 0.1.0
 * @category models
 */
export type ExitStatus = Spawn.ExitStatus

/**
 * The listeners of one spawn, attached before the process can produce anything.
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnListeners = Spawn.SpawnListeners

/**
 * A system error from a spawned process's pipes or signals, with its errno `code`.
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnedProcessError = Spawn.SpawnError

/**
 * A started process, as the platform sees it: the leader of a new process group whose id is `pid`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SpawnedProcess {
  readonly pid: number
  /** Stop reading a pipe (backpressure: the child blocks when the OS pipe is full). Idempotent. */
  readonly pause: (stream: "stdout" | "stderr") => void
  /** Resume reading a pipe. Idempotent. */
  readonly resume: (stream: "stdout" | "stderr") => void
  /** Writes to stdin; completes when the platform has accepted the bytes. Fails with the system error. */
  readonly write: (chunk: Uint8Array) => Effect.Effect<void, SpawnedProcessError>
  /** Closes the parent's end of stdin (end-of-file for the child). Idempotent. */
  readonly closeStdin: Effect.Effect<void>
  /**
   * Sends `signal` to the whole process group (`"group"`) or only to the leader (`"leader"`). Succeeds with `false`
   * when there was nothing left to signal.
   */
  readonly signal: (signal: Signal, target: "group" | "leader") => Effect.Effect<boolean, SpawnedProcessError>
  /** Whether any member of the process group is still alive. Zombies do not count. */
  readonly groupAlive: Effect.Effect<boolean>
  /** Destroys the parent's ends of all pipes; no listener is called afterwards. Idempotent. */
  readonly closePipes: Effect.Effect<void>
}

/**
 * The platform's process spawner. Provided by `NodeProcess.layer` from `@effect-process/platform-node`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "effect-process"
 *
 * const pidOf = (request: ProcessSpawner.SpawnRequest, listeners: ProcessSpawner.SpawnListeners) =>
 *   ProcessSpawner.ProcessSpawner.use((spawner) => Effect.map(spawner.spawn(request, listeners), (p) => p.pid))
 *
 * @since 0.1.0
 * @category services
 */
export class ProcessSpawner extends Context.Service<ProcessSpawner, {
  /**
   * Starts `request` as the leader of a new process group. Succeeds once the operating system has started it;
   * fails with a `ProcessError` (`SpawnFailed`, with `errno`) otherwise.
   */
  readonly spawn: (request: SpawnRequest, listeners: SpawnListeners) => Effect.Effect<SpawnedProcess, ProcessError>
}>()("effect-process/ProcessSpawner") {}
