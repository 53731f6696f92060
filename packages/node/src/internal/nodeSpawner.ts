import { ProcessError, ProcessSpawner, Readiness } from "@effect-process/core"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as commandExecutor from "./commandExecutor.js"
import { processWideReaper, TOKEN_VARIABLE } from "./watchdog.js"

type SpawnRequest = ProcessSpawner.SpawnRequest
type SpawnedProcessError = ProcessSpawner.SpawnedProcessError

const toSpawnedError = (error: unknown): SpawnedProcessError => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return { code, message: error instanceof Error ? error.message : String(error), cause: error }
}

/**
 * Whether any member of process group `pgid` is alive. `kill(-pgid, 0)` answers "no" cheaply in the common case;
 * when it answers "yes", the group may hold only zombies (exited, waiting for a reaper that may be slow or absent
 * in a container), so on Linux the members are looked up in /proc and zombies are not counted.
 *
 * @internal
 */
export const isGroupAlive = (pgid: number): boolean => {
  if (kill(-pgid, 0) === "ESRCH") return false
  if (process.platform !== "linux") return true
  let entries: Array<string>
  try {
    entries = Fs.readdirSync("/proc")
  } catch {
    return true
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0)
    if (first < 48 || first > 57) continue
    let stat: string
    try {
      stat = Fs.readFileSync(`/proc/${entry}/stat`, "latin1")
    } catch {
      continue // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses, so parse after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3)
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") return true
  }
  return false
}

/**
 * `process.kill` that returns the errno code instead of throwing. "No such process" is the common answer here (every
 * release asks whether a group is gone), and the error Node throws for it captures a stack trace each time.
 */
const kill = (pid: number, signal: string | number): string | undefined => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    process.kill(pid, signal)
    return undefined
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "EUNKNOWN"
  } finally {
    Error.stackTraceLimit = limit
  }
}

const isDirectory = (path: string): boolean => {
  try {
    return Fs.statSync(path).isDirectory()
  } catch {
    return false
  }
}

const inheritsUnchanged = (env: ProcessSpawner.EnvironmentSpec): boolean => {
  if (!env.extend || env.unset.length > 0) return false
  for (const _ in env.set) return false
  return true
}

const spawnFailed = (request: SpawnRequest, error: unknown): ProcessError => {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code
  // Node reports a missing cwd as ENOENT, the same as a missing program: tell them apart.
  const cwdProblem = request.cwd !== undefined && (errno === "ENOENT" || errno === "ENOTDIR") &&
    !isDirectory(request.cwd)
  const program = request.command[0]!
  const detail = cwdProblem
    ? `working directory ${JSON.stringify(request.cwd)} does not exist or is not a directory`
    : errno === "ENOENT"
    ? `program ${JSON.stringify(program)} not found${program.includes("/") ? "" : " on PATH"}`
    : errno === "EACCES"
    ? `permission denied: ${JSON.stringify(program)} is not executable`
    : error instanceof Error
    ? error.message
    : String(error)
  return new ProcessError({ reason: "SpawnFailed", command: request.command, errno, detail, cause: error })
}

/**
 * How a spawner works with a parent-death reaper. `token` is called before every spawn and gives the token the
 * child must carry in its environment (starting the watchdog if needed), or `undefined` without a reaper.
 * `onLaunch` is called as soon as the operating system has started the group leader, before anything else is done
 * with it; `onRelease` once, when the release closes the pipes (the group is gone by then, or was given up on). All
 * are called synchronously and must not throw. `takeWarning`, called right after `token`, gives a message the
 * launch logs as a warning (once: the reaper could not be started), or `undefined`.
 *
 * @internal
 */
export interface SpawnerHooks {
  readonly token?: (() => string | undefined) | undefined
  readonly takeWarning?: (() => string | undefined) | undefined
  readonly onLaunch?: ((pgid: number) => void) | undefined
  readonly onRelease?: ((pgid: number) => void) | undefined
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
  const env = ProcessSpawner.resolveEnvironment(process.env, request.env)
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

const spawn = (hooks: SpawnerHooks) =>
(
  request: SpawnRequest,
  listeners: ProcessSpawner.SpawnListeners
): Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError> =>
  Effect.async<ProcessSpawner.SpawnedProcess, ProcessError>((resumeSpawn) => {
    const token = hooks.token?.()
    // A reaper that could not be started says so once per failure, in the log of the launch that found out.
    const warning = hooks.takeWarning?.()
    const resume = warning === undefined
      ? resumeSpawn
      : (effect: Effect.Effect<ProcessSpawner.SpawnedProcess, ProcessError>) =>
        resumeSpawn(Effect.zipRight(Effect.catchAllCause(Effect.logWarning(warning), () => Effect.void), effect))
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
      resume(Effect.fail(spawnFailed(request, error)))
      return
    }
    const pid = child.pid
    if (pid === undefined) {
      // Nothing was started (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE...): Node reports it with an "error" event on
      // the next tick, and at EMFILE or ENFILE it did not even set up the child's stdio.
      child.once("error", (error) => resume(Effect.fail(spawnFailed(request, error))))
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
      resume(Effect.fail(
        new ProcessError({
          reason: "SpawnFailed",
          command: request.command,
          errno: "EMFILE",
          detail: `the ${missing} pipe could not be created (out of file descriptors?)`
        })
      ))
      return
    }
    const spawned = new Spawned(child, pid, hooks, listeners)
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
    resume(Effect.succeed(spawned))
  })

const SPAWNED = Symbol("@effect-process/node/Spawned")

interface Tagged {
  [SPAWNED]?: Spawned
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
  this[SPAWNED]!.listeners.onExit({ exitCode: code ?? undefined, signal: signal ?? undefined })
}

/**
 * A started child, as the core sees it. Its methods are on the prototype and its Effects are made when asked for:
 * an idle process costs only this object.
 */
class Spawned implements ProcessSpawner.SpawnedProcess {
  private released = false
  constructor(
    private readonly child: ChildProcess.ChildProcess,
    readonly pid: number,
    private readonly hooks: SpawnerHooks,
    readonly listeners: ProcessSpawner.SpawnListeners
  ) {}

  private pipe(name: "stdout" | "stderr") {
    return name === "stdout" ? this.child.stdout : this.child.stderr
  }

  pause(name: "stdout" | "stderr"): void {
    this.pipe(name)?.pause()
  }

  resume(name: "stdout" | "stderr"): void {
    this.pipe(name)?.resume()
  }

  write(chunk: Uint8Array): Effect.Effect<void, SpawnedProcessError> {
    return Effect.async<void, SpawnedProcessError>((resume) => {
      const { child } = this
      const stdin = child.stdin
      if (stdin == null || stdin.destroyed || stdin.writableEnded) {
        const gone = child.exitCode !== null || child.signalCode !== null
        resume(Effect.fail({
          code: gone ? "EPIPE" : "ERR_STREAM_DESTROYED",
          message: gone ? "the process has exited" : "stdin is closed",
          cause: undefined
        }))
        return
      }
      stdin.write(chunk, (error) => resume(error ? Effect.fail(toSpawnedError(error)) : Effect.void))
    })
  }

  get closeStdin(): Effect.Effect<void> {
    return Effect.sync(() => {
      const stdin = this.child.stdin
      if (stdin != null && !stdin.writableEnded) stdin.end()
    })
  }

  signal(signal: ProcessSpawner.Signal, target: "group" | "leader"): Effect.Effect<boolean, SpawnedProcessError> {
    return Effect.suspend(() => {
      const code = kill(target === "group" ? -this.pid : this.pid, signal)
      if (code === undefined) return Effect.succeed(true)
      if (code === "ESRCH") return Effect.succeed(false)
      return Effect.fail({ code, message: `kill ${signal}: ${code}`, cause: undefined })
    })
  }

  get groupAlive(): Effect.Effect<boolean> {
    return Effect.sync(() => isGroupAlive(this.pid))
  }

  get closePipes(): Effect.Effect<void> {
    return Effect.sync(() => {
      const { child } = this
      child.stdout?.destroy()
      child.stderr?.destroy()
      child.stdin?.destroy()
      if (!this.released) {
        this.released = true
        this.hooks.onRelease?.(this.pid)
      }
    })
  }
}

/**
 * A spawner that tells `hooks` about every process group it starts and releases.
 *
 * @internal
 */
export const makeSpawner = (hooks: SpawnerHooks = {}): ProcessSpawner.ProcessSpawnerService => ({
  spawn: spawn(hooks)
})

/**
 * The default spawner: every group is reported to the process-wide watchdog, so that it is terminated even if this
 * process dies without running its finalizers.
 *
 * @internal
 */
export const spawner: ProcessSpawner.ProcessSpawnerService = makeSpawner(processWideReaper)

/** @internal */
export const spawnerWithoutReaper: ProcessSpawner.ProcessSpawnerService = makeSpawner()

/** @internal */
export const layerSpawner: Layer.Layer<ProcessSpawner.ProcessSpawner> = Layer.succeed(
  ProcessSpawner.ProcessSpawner,
  spawner
)

/** @internal */
export const layerSpawnerWithoutReaper: Layer.Layer<ProcessSpawner.ProcessSpawner> = Layer.succeed(
  ProcessSpawner.ProcessSpawner,
  spawnerWithoutReaper
)

/**
 * Opens (and at once closes) a TCP connection; false on any error or after `timeout`.
 *
 * @internal
 */
export const canConnect = (host: string, port: number, timeout: Duration.Duration): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host, port })
    const done = (open: boolean) => {
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
      resume(Effect.succeed(open))
    }
    socket.setTimeout(Duration.toMillis(timeout), () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
    return Effect.sync(() => {
      socket.removeAllListeners()
      socket.on("error", () => {})
      socket.destroy()
    })
  })

/** @internal */
export const layerConnector: Layer.Layer<Readiness.Connector> = Layer.succeed(Readiness.Connector, { canConnect })

// platform-node's services, with this library's CommandExecutor in place of platform-node's (a later layer's
// service wins).

/** @internal */
export const layer = Layer.mergeAll(NodeContext.layer, layerSpawner, layerConnector, commandExecutor.layerWith(spawner))

/** @internal */
export const layerWithoutReaper = Layer.mergeAll(
  NodeContext.layer,
  layerSpawnerWithoutReaper,
  layerConnector,
  commandExecutor.layerWith(spawnerWithoutReaper)
)
