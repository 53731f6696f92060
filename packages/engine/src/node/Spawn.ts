/**
 * Starting a child on Node.js as the leader of a new process group, with its pipes drained into the listeners, as
 * callbacks: an effect system wraps `spawnChild` and `SpawnedChild` in its own types (`@effect-process/node` in
 * Effect 3's). What is here is what every line shares: the spawn itself, the parent-death token in the
 * environment, the reports to the reaper, the typing of spawn failures (a missing program, a missing working
 * directory, no pipes at EMFILE), and the control of a started child (signals, stdin, pipes).
 *
 * @since 0.2.0
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import type { EnvironmentSpec, ExitStatus, Signal, SpawnError, SpawnListeners, SpawnRequest } from "../Spawn.js"
import { resolveEnvironment } from "../Spawn.js"
import { isGroupAlive, kill } from "./ProcessGroups.js"
import { TOKEN_VARIABLE } from "./Watchdog.js"

/**
 * How a spawn works with a parent-death reaper. `token` is called before every spawn and gives the token the child
 * must carry in its environment (starting the watchdog if needed), or `undefined` without a reaper. `onLaunch` is
 * called with the new group's id as soon as the child exists, before anything else is done with it; `onRelease`
 * once, when the pipes are destroyed (the group is gone by then, or was given up on). All are called synchronously
 * and must not throw. `takeWarning`, called right after `token`, gives a message the launch should log as a warning
 * (once: the reaper could not be started), or `undefined`.
 *
 * @example
 * import type { Spawn } from "@effect-process/engine/node"
 *
 * const noReaper: Spawn.SpawnHooks = {}
 *
 * @since 0.2.0
 */
export interface SpawnHooks {
  readonly token?: (() => string | undefined) | undefined
  readonly takeWarning?: (() => string | undefined) | undefined
  readonly onLaunch?: ((pgid: number) => void) | undefined
  readonly onRelease?: ((pgid: number) => void) | undefined
}

/**
 * What a spawn gave: the started child, or why nothing was started (with the errno and a detail a person can act
 * on). `warning` is the reaper's, to log once.
 *
 * @example
 * import type { Spawn } from "@effect-process/engine/node"
 *
 * const describe = (outcome: Spawn.SpawnOutcome) =>
 *   outcome._tag === "Spawned" ? `pid ${outcome.child.pid}` : `not started: ${outcome.detail}`
 *
 * @since 0.2.0
 */
export type SpawnOutcome<C extends SpawnedChild = SpawnedChild> =
  | { readonly _tag: "Spawned"; readonly child: C; readonly warning: string | undefined }
  | {
    readonly _tag: "Failed"
    readonly errno: string | undefined
    readonly detail: string
    readonly cause: unknown
    readonly warning: string | undefined
  }

/**
 * A system error as a `SpawnError` (its errno code, its message).
 *
 * @example
 * import { Spawn } from "@effect-process/engine/node"
 *
 * Spawn.toSpawnError(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })).code // "EPIPE"
 *
 * @since 0.2.0
 */
export const toSpawnError = (error: unknown): SpawnError => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return { code, message: error instanceof Error ? error.message : String(error), cause: error }
}

const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

const inheritsUnchanged = (env: EnvironmentSpec): boolean => {
  if (!env.extend || env.unset.length > 0) return false
  for (const _ in env.set) return false
  return true
}

/** Why a spawn failed, in words a person can act on; a missing cwd is told apart from a missing program. */
const failureDetail = (request: SpawnRequest, errno: string | undefined, error: unknown): string => {
  // Node reports a missing cwd as ENOENT, the same as a missing program: tell them apart.
  const cwdProblem = request.cwd !== undefined && (errno === "ENOENT" || errno === "ENOTDIR") &&
    !isDirectory(request.cwd)
  const program = request.command[0]!
  return cwdProblem
    ? `working directory ${JSON.stringify(request.cwd)} does not exist or is not a directory`
    : errno === "ENOENT"
    ? `program ${JSON.stringify(program)} not found${program.includes("/") ? "" : " on PATH"}`
    : errno === "EACCES"
    ? `permission denied: ${JSON.stringify(program)} is not executable`
    : error instanceof Error
    ? error.message
    : String(error)
}

/** The value of `EFFECT_PROCESS_REAPER` for a child: the tokens this process inherited, then its own. */
const tokenValue = (inherited: string | undefined, token: string): string =>
  inherited === undefined || inherited === "" ? token : `${inherited}:${token}`

/**
 * The environment of a child that inherits the parent's unchanged, plus the token: a copy of `process.env` as it is
 * at this spawn. A copy per spawn (about 40 us for 35 variables, measured; Node's own enumeration of the
 * environment costs about 26 us) because the cheaper object whose prototype is `process.env`, built once, is wrong:
 * V8 caches the keys a `for...in` over it finds (Node's spawn enumerates the environment that way), so a variable
 * set in `process.env` after the first launch was never passed on, and a deleted one would have been passed as
 * "undefined".
 */
const inheritedWithToken = (token: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  env[TOKEN_VARIABLE] = tokenValue(env[TOKEN_VARIABLE], token)
  return env
}

const environmentOf = (request: SpawnRequest, token: string | undefined): NodeJS.ProcessEnv | undefined => {
  if (inheritsUnchanged(request.env)) return token === undefined ? undefined : inheritedWithToken(token)
  const env = resolveEnvironment(process.env, request.env)
  if (token !== undefined) env[TOKEN_VARIABLE] = tokenValue(env[TOKEN_VARIABLE], token)
  return env
}

/** A requested pipe that Node did not create (it leaves them `undefined`, not `null`, when it runs out of fds). */
const missingPipe = (
  request: SpawnRequest,
  child: ChildProcess.ChildProcess
): "stdin" | "stdout" | "stderr" | undefined =>
  request.stdin === "pipe" && child.stdin == null
    ? "stdin"
    : request.stdout === "pipe" && child.stdout == null
    ? "stdout"
    : request.stderr === "pipe" && child.stderr == null
    ? "stderr"
    : undefined

/**
 * A started child: the leader of a new process group whose id is `pid`. Its methods are on the prototype: an idle
 * process costs only this object. An effect system's handle extends it (the constructor is `spawnChild`'s to call).
 *
 * @example
 * import { Spawn } from "@effect-process/engine/node"
 *
 * const stop = (child: Spawn.SpawnedChild) => child.sendSignal("SIGTERM", "group") // "sent", "gone" or an error
 *
 * @since 0.2.0
 */
export class SpawnedChild {
  private released = false
  constructor(
    protected readonly child: ChildProcess.ChildProcess,
    readonly pid: number,
    private readonly hooks: SpawnHooks,
    readonly listeners: SpawnListeners
  ) {}

  private pipe(name: "stdout" | "stderr") {
    return name === "stdout" ? this.child.stdout : this.child.stderr
  }

  /** Stops reading a pipe (backpressure: the child blocks when the OS pipe is full). Idempotent. */
  pause(name: "stdout" | "stderr"): void {
    this.pipe(name)?.pause()
  }

  /** Resumes reading a pipe. Idempotent. */
  resume(name: "stdout" | "stderr"): void {
    this.pipe(name)?.resume()
  }

  /** Writes to stdin; `callback` gets the system error, or `undefined` once the bytes were accepted. */
  writeChunk(chunk: Uint8Array, callback: (error: SpawnError | undefined) => void): void {
    const { child } = this
    const stdin = child.stdin
    if (stdin == null || stdin.destroyed || stdin.writableEnded) {
      const gone = child.exitCode !== null || child.signalCode !== null
      callback({
        code: gone ? "EPIPE" : "ERR_STREAM_DESTROYED",
        message: gone ? "the process has exited" : "stdin is closed",
        cause: undefined
      })
      return
    }
    stdin.write(chunk, (error) => callback(error ? toSpawnError(error) : undefined))
  }

  /** Closes the parent's end of stdin (end-of-file for the child). Idempotent. */
  endStdin(): void {
    const stdin = this.child.stdin
    if (stdin != null && !stdin.writableEnded) stdin.end()
  }

  /**
   * Sends `signal` to the whole process group (`"group"`) or only to the leader: `"gone"` when there was nothing
   * left to signal, the system error when it could not be sent.
   */
  sendSignal(signal: Signal, target: "group" | "leader"): "sent" | "gone" | SpawnError {
    const code = kill(target === "group" ? -this.pid : this.pid, signal)
    if (code === undefined) return "sent"
    if (code === "ESRCH") return "gone"
    return { code, message: `kill ${signal}: ${code}`, cause: undefined }
  }

  /** Whether any member of the process group is alive; zombies do not count. */
  isGroupAlive(): boolean {
    return isGroupAlive(this.pid)
  }

  /** Destroys the parent's ends of every pipe (no listener is called afterwards) and tells the reaper. Idempotent. */
  destroyPipes(): void {
    const { child } = this
    child.stdout?.destroy()
    child.stderr?.destroy()
    child.stdin?.destroy()
    if (!this.released) {
      this.released = true
      this.hooks.onRelease?.(this.pid)
    }
  }
}

const SPAWNED = Symbol("@effect-process/engine/Spawned")

interface Tagged {
  [SPAWNED]?: SpawnedChild
}

const ignore = () => {}

function onStdoutData(this: Tagged, chunk: Uint8Array) {
  this[SPAWNED]!.listeners.onStdout(chunk)
}
function onStdoutEnd(this: Tagged) {
  this[SPAWNED]!.listeners.onStdoutEnd()
}
function onStderrData(this: Tagged, chunk: Uint8Array) {
  this[SPAWNED]!.listeners.onStderr(chunk)
}
function onStderrEnd(this: Tagged) {
  this[SPAWNED]!.listeners.onStderrEnd()
}
function onChildExit(this: Tagged, code: number | null, signal: NodeJS.Signals | null) {
  const status: ExitStatus = { exitCode: code ?? undefined, signal: signal ?? undefined }
  this[SPAWNED]!.listeners.onExit(status)
}

/**
 * Starts `request` as the leader of a new process group (its own session), and calls `done` once: synchronously
 * when Node refused at once (E2BIG, ENAMETOOLONG, a missing pipe at EMFILE) or the child started, on a later tick
 * when Node reports the failure with an "error" event (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE). The listeners are
 * attached before the child can produce anything; `make` builds the handle (a subclass of `SpawnedChild`).
 *
 * @example
 * import { Spawn } from "@effect-process/engine/node"
 *
 * const request = {
 *   command: ["echo", "hi"],
 *   cwd: undefined,
 *   env: { extend: true, unset: [], set: {} },
 *   stdin: "ignore",
 *   stdout: "pipe",
 *   stderr: "pipe"
 * } as const
 * const listeners = {
 *   onStdout: (chunk: Uint8Array) => process.stdout.write(chunk),
 *   onStdoutEnd: () => {},
 *   onStderr: () => {},
 *   onStderrEnd: () => {},
 *   onExit: () => {}
 * }
 * Spawn.spawnChild(request, {}, listeners, (...args) => new Spawn.SpawnedChild(...args), (outcome) => {
 *   if (outcome._tag === "Failed") console.error(outcome.detail)
 * })
 *
 * @since 0.2.0
 */
export const spawnChild = <C extends SpawnedChild>(
  request: SpawnRequest,
  hooks: SpawnHooks,
  listeners: SpawnListeners,
  make: (child: ChildProcess.ChildProcess, pid: number, hooks: SpawnHooks, listeners: SpawnListeners) => C,
  done: (outcome: SpawnOutcome<C>) => void
): void => {
  const token = hooks.token?.()
  // A reaper that could not be started says so once per failure, in the log of the launch that found out.
  const warning = hooks.takeWarning?.()
  const failed = (errno: string | undefined, detail: string, cause: unknown) =>
    done({ _tag: "Failed", errno, detail, cause, warning })
  let child: ChildProcess.ChildProcess
  try {
    child = ChildProcess.spawn(request.command[0]!, request.command.slice(1), {
      cwd: request.cwd,
      env: environmentOf(request, token),
      stdio: [request.stdin, request.stdout, request.stderr],
      // A new session, hence a new process group whose id is the child's pid: the whole tree can be signalled.
      detached: true,
      windowsHide: true
    })
  } catch (error) {
    // Synchronous failures: E2BIG, ENAMETOOLONG, ENOTDIR, invalid arguments.
    const errno = (error as NodeJS.ErrnoException | undefined)?.code
    return failed(errno, failureDetail(request, errno, error), error)
  }
  const pid = child.pid
  if (pid === undefined) {
    // Nothing was started (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE...): Node reports it with an "error" event on the
    // next tick, and at EMFILE or ENFILE it did not even set up the child's stdio.
    child.once("error", (error) => {
      const errno = (error as NodeJS.ErrnoException | undefined)?.code
      failed(errno, failureDetail(request, errno, error), error)
    })
    return
  }
  // Known to the reaper before anything else is done with the child.
  hooks.onLaunch?.(pid)
  child.on("error", () => {
    // After the spawn (a failed kill, a pipe error), the handle reports errors itself.
  })
  const missing = missingPipe(request, child)
  if (missing !== undefined) {
    // Started, but without the pipe it needs: stop it again and report the launch as failed.
    kill(-pid, "SIGKILL")
    child.stdin?.destroy()
    child.stdout?.destroy()
    child.stderr?.destroy()
    hooks.onRelease?.(pid)
    return failed("EMFILE", `the ${missing} pipe could not be created (out of file descriptors?)`, undefined)
  }
  const spawned = make(child, pid, hooks, listeners)
  const { stderr, stdin, stdout } = child
  // The listeners are shared functions that find their process through the stream: an idle process costs no
  // closure per listener.
  if (stdout != null) {
    ;(stdout as Tagged)[SPAWNED] = spawned
    stdout.on("data", onStdoutData)
    stdout.once("end", onStdoutEnd)
    stdout.on("error", ignore)
  }
  if (stderr != null) {
    ;(stderr as Tagged)[SPAWNED] = spawned
    stderr.on("data", onStderrData)
    stderr.once("end", onStderrEnd)
    stderr.on("error", ignore)
  }
  // EPIPE and friends are reported to the writer through the write callback; never as an uncaught exception.
  if (stdin != null) stdin.on("error", ignore)
  ;(child as Tagged)[SPAWNED] = spawned
  child.once("exit", onChildExit)
  // A pid means the program was started (libuv reports exec failures synchronously, without one).
  done({ _tag: "Spawned", child: spawned, warning })
}
