/**
 * The small platform service the core needs: start a process in a new process group with its pipes, signal the
 * group, and ask whether anything of the group is still alive. `@effect-process/node` implements it for Node.js; a
 * test implementation can script processes without starting any.
 *
 * The data path is callbacks (one listener per pipe, called for every chunk) so that the output pump costs no fiber
 * or stream per process; the control path is Effects.
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
 * import { resolveEnvironment } from "@effect-process/core/ProcessSpawner"
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
 * The listeners of one spawn. They are attached before the process can produce anything, so nothing is missed.
 * `onStdout` / `onStderr` receive every chunk of a piped stream in order, then `onStdoutEnd` / `onStderrEnd` once.
 * `onExit` is called once, when the process (the group leader) has exited; its pipes may still be open.
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnListeners = Spawn.SpawnListeners

/**
 * A started process, as the platform sees it. The process is the leader of a new process group whose id is `pid`.
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
  /** Closes the parent's end of stdin (EOF for the child). Idempotent. */
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
 * A system error from a spawned process's pipes or signals, with its errno `code` (e.g. `"EPIPE"`).
 *
 * @since 0.1.0
 * @category models
 */
export type SpawnedProcessError = Spawn.SpawnError

/**
 * The platform service that starts processes.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessSpawnerService {
  /**
   * Starts `request` as the leader of a new process group. Succeeds once the operating system has started it;
   * fails with a `ProcessError` (`SpawnFailed`, with `errno`) otherwise.
   */
  readonly spawn: (request: SpawnRequest, listeners: SpawnListeners) => Effect.Effect<SpawnedProcess, ProcessError>
}

/**
 * The tag of the platform's process spawner. Provided by `NodeProcess.layer` from `@effect-process/node`.
 *
 * @example
 * import { Effect } from "effect"
 * import { ProcessSpawner } from "@effect-process/core"
 *
 * const spawner = Effect.map(ProcessSpawner.ProcessSpawner, (service) => service.spawn)
 *
 * @since 0.1.0
 * @category tags
 */
export class ProcessSpawner extends Context.Tag("@effect-process/core/ProcessSpawner")<
  ProcessSpawner,
  ProcessSpawnerService
>() {}
