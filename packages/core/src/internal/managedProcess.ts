/**
 * The lifecycle of a managed process, top to bottom:
 *
 *   1. launch     validate, spawn into a new process group, attach the output pump     (`make`, `launch`)
 *                 (with `retry`, each attempt in a scope of its own)                     (`makeRetrying`)
 *      ready      race the readiness probes against the exit and the timeout           (`awaitReady`)
 *   2. use        read stdout/stderr through one reader per pipe, write stdin          (`makeHandle`)
 *   3. terminate  signal the group, grace, SIGKILL the group, bounded wait             (`terminatePolicy`)
 *   4. reap       wait (bounded) for the pipes, close them, flush the stderr relay     (`reap`)
 *   and `run`: launch, collect the output, await the exit, release.
 *
 * The release of the scope is `terminate` with the options given at launch. Nothing in 3 and 4 waits without a
 * bound, so the release never hangs; nothing in them fails, so the release never fails.
 */
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import { pipeArguments } from "effect/Pipeable"
import type * as Runtime from "effect/Runtime"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import { describeCommand, ProcessError, StateError, TimeoutError } from "../ProcessError.js"
import {
  type ExitStatus,
  ProcessSpawner,
  type Signal,
  type SpawnedProcess,
  type SpawnListeners
} from "../ProcessSpawner.js"
import type * as Readiness from "../Readiness.js"
import { argvOf, decodeDuration, hasOwnStdin, normalize, type Normalized } from "./command.js"
import * as metrics from "./metrics.js"
import { awaitAnyChange, decodeComplete, OutputChannel } from "./outputChannel.js"
import * as pattern_ from "./outputPattern.js"
import { StderrRelay } from "./stderrRelay.js"

/** @internal */
export const TypeId: ManagedProcess.TypeId = Symbol.for("@effect-process/core/ManagedProcess") as ManagedProcess.TypeId

/** @internal */
export const DEFAULT_TERMINATE_TIMEOUT: Duration.DurationInput = "7 seconds"
/** @internal */
export const DEFAULT_KILL_TIMEOUT: Duration.DurationInput = "2 seconds"
/** @internal */
export const DEFAULT_READLINE_TIMEOUT: Duration.DurationInput = "2 seconds"
/** @internal */
export const DEFAULT_READCHAR_TIMEOUT: Duration.DurationInput = "1 second"
/** @internal */
export const DEFAULT_WAIT_TIMEOUT: Duration.DurationInput = "10 seconds"
const DEFAULT_READINESS_TIMEOUT: Duration.DurationInput = "60 seconds"
const DEFAULT_BUFFER_SIZE = 8 * 1024 * 1024
const DEFAULT_TAIL_SIZE = 8 * 1024
const DEFAULT_MAX_BUFFER = 128 * 1024 * 1024
/**
 * After the leader exited, how long output may still take to reach end-of-file before readers stop waiting for
 * it, and after the group is gone, how long the release waits for the pipes before closing them. A descendant
 * that left the group (setsid) can hold a pipe open forever; nobody waits for it longer than this.
 */
const PIPE_GRACE = Duration.millis(250)

/**
 * Logs at Debug only when Debug is enabled: building the annotations of a log nobody sees would cost every launch.
 */
const logDebug = (message: string, annotations: () => Record<string, unknown>): Effect.Effect<void> =>
  Effect.flatMap(
    FiberRef.get(FiberRef.currentMinimumLogLevel),
    (minimum) =>
      LogLevel.greaterThanEqual(LogLevel.Debug, minimum)
        ? Effect.annotateLogs(Effect.logDebug(message), annotations())
        : Effect.void
  )

/** @internal */
export const isManagedProcess = (u: unknown): u is ManagedProcess.ManagedProcess<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

interface TerminateSettings {
  readonly signal: Signal
  readonly timeout: Duration.Duration
  readonly killTimeout: Duration.Duration
}

const decodeTerminate = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults?: TerminateSettings
): Either.Either<TerminateSettings, ProcessError> =>
  Either.all({
    signal: Either.right(options?.signal ?? defaults?.signal ?? "SIGTERM"),
    timeout: decodeDuration(
      command,
      "terminate.timeout",
      options?.timeout,
      defaults?.timeout ?? DEFAULT_TERMINATE_TIMEOUT
    ),
    killTimeout: decodeDuration(
      command,
      "terminate.killTimeout",
      options?.killTimeout,
      defaults?.killTimeout ?? DEFAULT_KILL_TIMEOUT
    )
  })

// -----------------------------------------------------------------------------------------------------------------
// The process: state shared by the handle, the pump listeners and the release
// -----------------------------------------------------------------------------------------------------------------

class Process {
  spawned!: SpawnedProcess
  exit: ExitStatus | undefined = undefined
  readonly exited = Deferred.unsafeMake<ExitStatus>(undefined as never)
  readonly stdout: OutputChannel | undefined
  readonly stderr: OutputChannel | undefined
  stdinClosed = false
  released = false
  /** When readers stop waiting for the pipes to end: `PIPE_GRACE` after the leader's exit was first noticed. */
  pipeDeadline: number | undefined = undefined
  termination: Deferred.Deferred<ManagedProcess.TerminateOutcome> | undefined = undefined
  readonly relay: StderrRelay | undefined
  readonly listeners: SpawnListeners

  constructor(
    readonly spec: Normalized,
    readonly settings: TerminateSettings,
    options: ManagedProcess.Options<unknown, unknown, unknown>,
    runtime: Runtime.Runtime<never>
  ) {
    this.metrics = metrics.forProgram(spec.argv)
    const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE
    const tailSize = options.tailSize ?? DEFAULT_TAIL_SIZE
    const channel = (name: "stdout" | "stderr") =>
      new OutputChannel(bufferSize, tailSize, pattern_.MAX_LINE_LENGTH, {
        pause: () => this.spawned?.pause(name),
        resume: () => this.spawned?.resume(name)
      })
    this.stdout = spec.stdout === "pipe" ? channel("stdout") : undefined
    this.stderr = spec.stderr === "pipe" ? channel("stderr") : undefined
    const relayLevel = options.relayStderr ?? true
    if (this.stderr !== undefined && relayLevel !== false) {
      this.relay = new StderrRelay(
        relayLevel === true ? LogLevel.Info : LogLevel.fromLiteral(relayLevel),
        runtime
      )
      this.stderr.tap = (chunk) => this.relay!.push(chunk)
    }
    const stdout = this.stdout
    const stderr = this.stderr
    this.listeners = {
      onStdout: (chunk) => stdout?.push(chunk),
      onStdoutEnd: () => stdout?.end(),
      onStderr: (chunk) => stderr?.push(chunk),
      onStderrEnd: () => {
        this.relay?.end()
        stderr?.end()
      },
      onExit: (status) => {
        this.exit = status
        Deferred.unsafeDone(this.exited, Exit.succeed(status))
        // Readers waiting for output also watch for the exit.
        stdout?.notify()
        stderr?.notify()
      }
    }
  }

  get command(): ReadonlyArray<string> {
    return this.spec.argv
  }

  private cachedAnnotations: Record<string, unknown> | undefined = undefined

  /** What every log about this process is annotated with. */
  get annotations(): Record<string, unknown> {
    return this.cachedAnnotations ??= { pid: this.spawned.pid, command: describeCommand(this.spec.argv) }
  }

  readonly metrics: metrics.ProgramMetrics

  get pid(): number {
    return this.spawned.pid
  }

  tails(): { stdoutTail: string | undefined; stderrTail: string | undefined } {
    return { stdoutTail: this.stdout?.tail.text(), stderrTail: this.stderr?.tail.text() }
  }

  stateError(reason: StateError["reason"], operation: string): StateError {
    return new StateError({ reason, command: this.command, pid: this.spawned.pid, operation })
  }
}

// -----------------------------------------------------------------------------------------------------------------
// 1. Launch
// -----------------------------------------------------------------------------------------------------------------

/** What acquiring a process is: its handle, in the current scope. */
type Acquire<A, E, R> = Effect.Effect<
  ManagedProcess.ManagedProcess<A>,
  ProcessError | StateError | TimeoutError | E,
  ProcessSpawner | Scope.Scope | R
>

/** @internal */
export const make = <A = void, E = never, R = never>(
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R> = {}
): Acquire<A, E, R> =>
  options.retry === undefined ? makeOnce(input, options) : makeRetrying(input, options, options.retry)

/** @internal */
export const layer = <I, S, A = void, E = never, R = never>(
  tag: Context.Tag<I, S>,
  command: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R> & { readonly service: (proc: ManagedProcess.ManagedProcess<A>) => S }
): Layer.Layer<I, ProcessError | StateError | TimeoutError | E, ProcessSpawner | R> =>
  Layer.scoped(tag, Effect.map(make(command, options), options.service))

/** One attempt: launch, then (if asked) wait until ready. */
const makeOnce = <A, E, R>(
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R>
): Acquire<A, E, R> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const proc = yield* makeProcess(input, options)
    if (options.readiness === undefined) return makeHandle(proc, undefined as A)
    const timeout = yield* decodeDuration(
      proc.command,
      "readinessTimeout",
      options.readinessTimeout,
      DEFAULT_READINESS_TIMEOUT
    )
    const ready = yield* awaitReady(proc, options.readiness, timeout)
    const now = yield* Clock.currentTimeMillis
    yield* Metric.update(proc.metrics.launchToReady, (now - started) / 1000)
    return makeHandle(proc, ready)
  })

/** The errors `retry` retries unless told otherwise: the system was briefly out of a resource. */
const TRANSIENT_SPAWN_ERRORS = ["EAGAIN", "EMFILE", "ENFILE", "ETXTBSY"]

const isTransient = (error: unknown): boolean =>
  error instanceof ProcessError && error.reason === "SpawnFailed" && error.errno !== undefined &&
  TRANSIENT_SPAWN_ERRORS.includes(error.errno)

/**
 * Retries the whole acquire (launch and readiness) per `schedule`. Every attempt runs in a scope of its own that is
 * closed when the attempt fails, so a failed attempt leaves nothing behind before the next one starts.
 */
const makeRetrying = <A, E, R>(
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<A, E, R>,
  schedule: Schedule.Schedule<unknown, ProcessError | StateError | TimeoutError | E, never>
): Acquire<A, E, R> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const retryWhile = options.retryWhile ?? isTransient
    let attempts = 0
    const attempt = Effect.gen(function*() {
      attempts++
      const attemptScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
      return yield* makeOnce(input, options).pipe(
        Scope.extend(attemptScope),
        Effect.onError((cause) => Scope.close(attemptScope, Exit.failCause(cause))),
        Effect.tapError((error) =>
          Effect.logWarning(`launch attempt ${attempts} failed`, error).pipe(
            Effect.annotateLogs({ command: describeCommand(argvOf(input)) })
          )
        )
      )
    })
    return yield* attempt.pipe(
      Effect.retry({ schedule, while: retryWhile }),
      Effect.mapError((error) =>
        error instanceof ProcessError || error instanceof TimeoutError
          ? Object.assign(Object.create(Object.getPrototypeOf(error)), error, { attempts })
          : error
      )
    )
  })

const makeProcess = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<any, any, any>
): Effect.Effect<Process, ProcessError, ProcessSpawner | Scope.Scope> =>
  Effect.gen(function*() {
    const spec = yield* normalize(input, options)
    const settings = yield* decodeTerminate(spec.argv, options.terminate)
    const spawner = yield* ProcessSpawner
    const runtime = yield* Effect.runtime<never>()
    const proc = yield* Effect.acquireRelease(
      launch(spawner.spawn, spec, settings, options, runtime),
      (proc) => release(proc)
    )
    if (spec.stdinStream !== undefined) yield* Effect.forkScoped(feedStdin(proc, spec.stdinStream))
    return proc
  })

const launch = (
  spawn: ProcessSpawner["Type"]["spawn"],
  spec: Normalized,
  settings: TerminateSettings,
  options: ManagedProcess.Options<unknown, unknown, unknown>,
  runtime: Runtime.Runtime<never>
): Effect.Effect<Process, ProcessError> =>
  Effect.gen(function*() {
    const proc = new Process(spec, settings, options, runtime)
    const spawned = yield* spawn({
      command: spec.argv,
      cwd: spec.cwd,
      env: spec.env,
      stdin: spec.stdin,
      stdout: spec.stdout,
      stderr: spec.stderr
    }, proc.listeners)
    proc.spawned = spawned
    yield* Metric.increment(proc.metrics.launches)
    if (proc.relay !== undefined) proc.relay.annotations = { ...proc.annotations, stream: "stderr" }
    yield* Effect.annotateCurrentSpan("pid", spawned.pid)
    yield* logDebug("process launched", () => ({
      ...proc.annotations,
      cwd: spec.cwd ?? "",
      envKeys: Object.keys(spec.env.set).join(",") // names only: values are secrets
    }))
    return proc
  }).pipe(
    Effect.withSpan("ManagedProcess.launch", {
      attributes: { command: describeCommand(spec.argv) },
      captureStackTrace: false
    })
  )

const feedStdin = (proc: Process, stream: Stream.Stream<Uint8Array, unknown>): Effect.Effect<void> =>
  Stream.runForEach(stream, (chunk) => writeStdin(proc, chunk)).pipe(
    Effect.zipRight(closeStdin(proc)),
    Effect.catchAllCause((cause) => Effect.logDebug("stdin stream of the Command ended with an error", cause))
  )

/**
 * Runs the readiness check, racing the process's exit and the timeout. Any outcome but success terminates the
 * process (with the release semantics) before the error is returned: a caller that catches the error inside a
 * longer-lived scope is not left with a half-started process.
 */
const awaitReady = <A, E, R>(
  proc: Process,
  readiness: Readiness.Readiness<A, E, R>,
  timeout: Duration.Duration
): Effect.Effect<A, ProcessError | StateError | TimeoutError | E, R> => {
  const pending = new Set(readiness.probes)
  const exitedBeforeReady = (cause?: ProcessError) =>
    new ProcessError({
      reason: "ExitedBeforeReady",
      command: proc.command,
      pid: proc.pid,
      exitCode: proc.exit?.exitCode,
      signal: proc.exit?.signal,
      detail: pending.size === 0 ? undefined : `waiting for ${[...pending].join(", ")}`,
      cause,
      ...proc.tails()
    })
  const context: Readiness.ProbeContext = {
    pid: proc.pid,
    command: proc.command,
    matchOutput: (pattern) => matchPattern(proc, pattern, pattern.matcher(), "readiness"),
    // Output written just before the exit may still be in flight: let output probes see it first.
    failOnExit: Deferred.await(proc.exited).pipe(
      Effect.zipRight(Effect.sleep(PIPE_GRACE)),
      Effect.zipRight(Effect.suspend(() => Effect.fail(exitedBeforeReady())))
    ),
    settled: (description) => Effect.sync(() => pending.delete(description))
  }
  return Effect.raceFirst(readiness.run(context), context.failOnExit).pipe(
    Effect.catchIf(
      (error): error is ProcessError =>
        error instanceof ProcessError && (error.reason === "ExitedBeforeMatch" || error.reason === "OutputEnded"),
      (error) => Effect.fail(exitedBeforeReady(error))
    ),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        timeoutError(proc, "Readiness", timeout, { expected: [...pending].join(", ") || readiness.description })
    }),
    Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : terminateOnce(proc, proc.settings)),
    Effect.withSpan("ManagedProcess.ready", {
      attributes: { pid: proc.pid, readiness: readiness.description },
      captureStackTrace: false
    })
  )
}

// -----------------------------------------------------------------------------------------------------------------
// 2. Use: the handle
// -----------------------------------------------------------------------------------------------------------------

const HandleProto = {
  [TypeId]: TypeId,
  pipe() {
    return pipeArguments(this, arguments)
  },
  toString(this: ManagedProcess.ManagedProcess) {
    return `ManagedProcess(${this.pid}: ${describeCommand(this.command)})`
  }
}

const makeHandle = <A>(proc: Process, ready: A): ManagedProcess.ManagedProcess<A> => {
  const handle: ManagedProcess.ManagedProcess<A> = Object.assign(Object.create(HandleProto), {
    ready,
    pid: proc.pid,
    command: proc.command,
    status: Effect.sync((): ManagedProcess.Status =>
      proc.exit === undefined
        ? { _tag: "Running" }
        : { _tag: "Exited", exitCode: proc.exit.exitCode, signal: proc.exit.signal }
    ),
    isRunning: Effect.sync(() => proc.exit === undefined),
    awaitExit: Deferred.await(proc.exited),
    kill: (signal?: Signal) => kill(proc, signal ?? "SIGTERM"),
    terminate: (options?: ManagedProcess.TerminateOptions) => terminateWith(proc, options),
    stdout: byteStream(proc, "stdout"),
    stderr: byteStream(proc, "stderr"),
    lines: lineStream(proc, "stdout"),
    stderrLines: lineStream(proc, "stderr"),
    readLine: (options?: ManagedProcess.ReadOptions) => readLineImpl(proc, options),
    readChar: (options?: ManagedProcess.ReadOptions) => readCharImpl(proc, options),
    waitForOutput: (
      pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<unknown>,
      options?: ManagedProcess.ReadOptions
    ) => waitForOutputImpl(proc, pattern, options),
    write: (input: string | Uint8Array) => writeStdin(proc, input),
    closeStdin: closeStdin(proc),
    stdoutTail: Effect.sync(() => proc.stdout?.tail.text() ?? ""),
    stderrTail: Effect.sync(() => proc.stderr?.tail.text() ?? "")
  })
  return handle
}

const kill = (proc: Process, signal: Signal): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "kill"))
    return proc.spawned.signal(signal, "group").pipe(
      Effect.mapError((error) =>
        new ProcessError({
          reason: "SignalFailed",
          command: proc.command,
          pid: proc.pid,
          signal,
          errno: error.code,
          cause: error.cause
        })
      ),
      Effect.asVoid
    )
  })

const encoder = new TextEncoder()

const writeStdin = (proc: Process, input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "write"))
    if (proc.spec.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "write"))
    if (proc.stdinClosed) return Effect.fail(proc.stateError("StdinClosed", "write"))
    return proc.spawned.write(typeof input === "string" ? encoder.encode(input) : input).pipe(
      Effect.mapError((error) =>
        new ProcessError({
          reason: "WriteFailed",
          command: proc.command,
          pid: proc.pid,
          errno: error.code,
          exitCode: proc.exit?.exitCode,
          signal: proc.exit?.signal,
          detail: proc.exit === undefined ? error.message : "the process has exited",
          cause: error.cause,
          ...proc.tails()
        })
      )
    )
  })

const closeStdin = (proc: Process): Effect.Effect<void, StateError> =>
  Effect.suspend(() => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "closeStdin"))
    if (proc.spec.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "closeStdin"))
    proc.stdinClosed = true
    return proc.spawned.closeStdin
  })

/**
 * Holds the reader slot of each pipe in `sources` for the current scope. Refused (`StateError`) after the release,
 * for a pipe that is not captured, and while another reader holds one of them.
 */
const holdPipes = (
  proc: Process,
  sources: ReadonlyArray<OutputPattern.Source>,
  operation: string
): Effect.Effect<Array<OutputChannel>, StateError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend((): Effect.Effect<Array<OutputChannel>, StateError> => {
      if (proc.released) return Effect.fail(proc.stateError("Released", operation))
      const channels: Array<OutputChannel> = []
      for (const source of sources) {
        const channel = proc[source]
        if (channel === undefined) return Effect.fail(proc.stateError("NotPiped", operation))
        channels.push(channel)
      }
      const held = channels.filter((channel) => channel.acquire(operation))
      if (held.length === channels.length) return Effect.succeed(channels)
      held.forEach((channel) => channel.releaseReader())
      return Effect.fail(proc.stateError("ConcurrentRead", operation))
    }),
    (channels) => Effect.sync(() => channels.forEach((channel) => channel.releaseReader()))
  )

/** Holds one pipe's reader slot for the duration of `use`. */
const withReader = <A, E, R>(
  proc: Process,
  name: OutputPattern.Source,
  operation: string,
  use: (channel: OutputChannel) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | StateError, R> =>
  Effect.scoped(Effect.flatMap(holdPipes(proc, [name], operation), ([channel]) => use(channel!)))

/**
 * Milliseconds readers may still wait for the pipes: unlimited (`undefined`) while the leader runs; after its exit,
 * what is left of `PIPE_GRACE` (a descendant outside the group can hold a pipe open forever).
 */
const pipeTimeLeft = (proc: Process): Effect.Effect<number | undefined> =>
  proc.exit === undefined
    ? Effect.succeed(undefined)
    : Effect.map(Clock.currentTimeMillis, (now) => (proc.pipeDeadline ??= now + Duration.toMillis(PIPE_GRACE)) - now)

/**
 * Waits for new output on any of `channels` (or their end, or the exit), bounded by `pipeTimeLeft`. Succeeds with
 * `false` when there is nothing more to wait for: the pipes' time after the exit is up.
 */
const awaitOutput = (
  proc: Process,
  channels: ReadonlyArray<OutputChannel>,
  versions: ReadonlyArray<number>
): Effect.Effect<boolean> =>
  Effect.flatMap(pipeTimeLeft(proc), (left) =>
    left === undefined
      ? Effect.as(awaitAnyChange(channels, versions), true)
      : left <= 0
      ? Effect.succeed(false)
      : Effect.as(Effect.timeoutOption(awaitAnyChange(channels, versions), Duration.millis(left)), true))

/** Waits until `take` yields, or fails when the output ended with nothing for it. */
const takeNext = <A>(
  proc: Process,
  channel: OutputChannel,
  take: () => A | undefined
): Effect.Effect<A, ProcessError> =>
  Effect.gen(function*() {
    for (;;) {
      const version = channel.currentVersion
      const value = take()
      if (value !== undefined) return value
      if (channel.exhausted || !(yield* awaitOutput(proc, [channel], [version]))) {
        return yield* new ProcessError({
          reason: "OutputEnded",
          command: proc.command,
          pid: proc.pid,
          exitCode: proc.exit?.exitCode,
          signal: proc.exit?.signal,
          ...proc.tails()
        })
      }
    }
  })

const timeoutError = (
  proc: Process,
  reason: TimeoutError["reason"],
  timeout: Duration.Duration,
  extra: { readonly seen?: string; readonly expected?: string } = {}
) => new TimeoutError({ reason, command: proc.command, pid: proc.pid, timeout, ...extra, ...proc.tails() })

/** A read of the next item of stdout (a line, a character), with its timeout. */
const readNext = (
  proc: Process,
  options: ManagedProcess.ReadOptions | undefined,
  reason: "ReadLine" | "ReadChar",
  defaultTimeout: Duration.DurationInput,
  take: (channel: OutputChannel) => string | undefined
): Effect.Effect<string, ProcessError | StateError | TimeoutError> =>
  Effect.flatMap(
    decodeDuration(proc.command, "timeout", options?.timeout, defaultTimeout),
    (timeout) =>
      withReader(proc, "stdout", reason === "ReadLine" ? "readLine" : "readChar", (channel) =>
        takeNext(proc, channel, () =>
          take(channel)).pipe(
            Effect.timeoutFail({
              duration: timeout,
              onTimeout: () =>
                timeoutError(proc, reason, timeout)
            })
          ))
  )

const readLineImpl = (proc: Process, options: ManagedProcess.ReadOptions | undefined) =>
  readNext(proc, options, "ReadLine", DEFAULT_READLINE_TIMEOUT, (channel) => channel.takeLine())

const readCharImpl = (proc: Process, options: ManagedProcess.ReadOptions | undefined) =>
  readNext(proc, options, "ReadChar", DEFAULT_READCHAR_TIMEOUT, (channel) => channel.takeChar())

/** A stream of the pipe's unread output; it holds the reader slot while it runs. */
const pipeStream = <A>(
  proc: Process,
  name: "stdout" | "stderr",
  operation: string,
  take: (channel: OutputChannel) => A | undefined
): Stream.Stream<A, StateError> =>
  Stream.unwrapScoped(
    Effect.map(holdPipes(proc, [name], operation), ([channel]) => {
      // The pull is on the path of every chunk: a plain recursive Effect, no generator.
      const end = Effect.fail(Option.none())
      const pull: Effect.Effect<A, Option.Option<never>> = Effect.suspend(() => {
        const version = channel!.currentVersion
        const item = take(channel!)
        if (item !== undefined) return Effect.succeed(item)
        if (channel!.exhausted || proc.released) return end
        return Effect.flatMap(awaitOutput(proc, [channel!], [version]), (more) => more ? pull : end)
      })
      return Stream.repeatEffectOption(pull)
    })
  )

// One element per pull: a downstream `take` or `takeUntil` drops the rest of a chunk, and the next reader must get it.
const byteStream = (proc: Process, name: "stdout" | "stderr") =>
  pipeStream(proc, name, name, (channel) => channel.takeChunk())

const lineStream = (proc: Process, name: "stdout" | "stderr") =>
  pipeStream(proc, name, name === "stdout" ? "lines" : "stderrLines", (channel) => channel.takeLine())

const waitForOutputImpl = <A>(
  proc: Process,
  pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>,
  options: ManagedProcess.ReadOptions | undefined
): Effect.Effect<A, ProcessError | StateError | TimeoutError> => {
  const resolved =
    (pattern_.isOutputPattern(pattern) ? pattern : pattern_.allParts(pattern)) as OutputPattern.OutputPattern<A>
  return Effect.flatMap(
    decodeDuration(proc.command, "timeout", options?.timeout, DEFAULT_WAIT_TIMEOUT),
    (timeout) => {
      const matcher = resolved.matcher()
      return matchPattern(proc, resolved, matcher, "waitForOutput").pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            timeoutError(proc, "WaitForOutput", timeout, { seen: matcher.seen(), expected: resolved.description })
        })
      )
    }
  )
}

/** Holds the reader slot of every pipe `pattern` reads and matches their output with `matcher`. */
const matchPattern = <A>(
  proc: Process,
  pattern: OutputPattern.OutputPattern<A>,
  matcher: OutputPattern.Matcher<A>,
  operation: string
): Effect.Effect<A, ProcessError | StateError> =>
  Effect.scoped(Effect.flatMap(
    holdPipes(proc, pattern.sources, operation),
    (channels) => matchOutput(proc, channels.map((channel, i) => [pattern.sources[i]!, channel] as const), matcher)
  ))

/**
 * Feeds the matcher every piece of unread output once, in order, and puts back what follows the match. When the
 * process exits, output still in flight gets `PIPE_GRACE` to arrive before the wait fails.
 */
const matchOutput = <A>(
  proc: Process,
  pipes: ReadonlyArray<readonly [OutputPattern.Source, OutputChannel]>,
  matcher: OutputPattern.Matcher<A>
): Effect.Effect<A, ProcessError> => {
  // What the wait took from each pipe, put back if it does not match (timeout, interruption, failure): a wait that
  // gives up loses nothing. Bounded like the pipe's own buffer; beyond that the oldest is dropped, as unread
  // output is.
  const taken = pipes.map(([, channel]) => new pattern_.SeenText(channel.limit))
  const putBack = Effect.sync(() => pipes.forEach(([, channel], i) => channel.unread(taken[i]!.value)))
  return Effect.onExit(
    matchOutputLoop(proc, pipes, matcher, taken),
    (exit) => Exit.isSuccess(exit) ? Effect.void : putBack
  )
}

const matchOutputLoop = <A>(
  proc: Process,
  pipes: ReadonlyArray<readonly [OutputPattern.Source, OutputChannel]>,
  matcher: OutputPattern.Matcher<A>,
  taken: ReadonlyArray<pattern_.SeenText>
): Effect.Effect<A, ProcessError> =>
  Effect.gen(function*() {
    let decision = pipes.length === 0 ? undefined : matcher.feed("", pipes[0]![0])
    const finished = new Set<OutputPattern.Source>()
    let overdue = false
    search: while (decision === undefined) {
      const versions = pipes.map(([, channel]) => channel.currentVersion)
      let progressed = false
      for (const [index, [source, channel]] of pipes.entries()) {
        const text = channel.takeAllText()
        if (text.length === 0) continue
        progressed = true
        taken[index]!.append(text)
        decision = matcher.feed(text, source)
        if (decision !== undefined) {
          channel.unread(text.slice(decision.consumed))
          break search
        }
      }
      if (progressed) continue
      for (const [source, channel] of pipes) {
        if ((channel.ended || overdue) && !finished.has(source)) {
          finished.add(source)
          decision = matcher.finish(source)
          if (decision !== undefined) break search
        }
      }
      if (finished.size === pipes.length) {
        // The output is over; give the exit status a moment to arrive so the error can say how it ended.
        yield* Deferred.await(proc.exited).pipe(Effect.timeoutOption(PIPE_GRACE))
        return yield* new ProcessError({
          reason: proc.exit === undefined ? "OutputEnded" : "ExitedBeforeMatch",
          command: proc.command,
          pid: proc.pid,
          exitCode: proc.exit?.exitCode,
          signal: proc.exit?.signal,
          detail: `no match for the expected output; seen: ${JSON.stringify(matcher.seen().slice(-200))}`,
          ...proc.tails()
        })
      }
      overdue = !(yield* awaitOutput(proc, pipes.map(([, channel]) => channel), versions))
    }
    if (decision._tag === "Failed") {
      return yield* new ProcessError({
        reason: "ReadinessFailed",
        command: proc.command,
        pid: proc.pid,
        exitCode: proc.exit?.exitCode,
        signal: proc.exit?.signal,
        detail: decision.line === "" && decision.detail !== undefined
          ? decision.detail
          : `the output said: ${JSON.stringify(decision.line)}${
            decision.detail === undefined ? "" : ` (${decision.detail})`
          }`,
        ...proc.tails()
      })
    }
    return decision.value
  })

// -----------------------------------------------------------------------------------------------------------------
// 3. Terminate
// -----------------------------------------------------------------------------------------------------------------

/**
 * Runs the termination policy once per process. It runs in its own fiber: interrupting a caller does not leave the
 * group half-stopped, and the release waits for the same outcome.
 */
const terminateOnce = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.suspend(() => {
    if (proc.termination !== undefined) return Deferred.await(proc.termination)
    const done = Deferred.unsafeMake<ManagedProcess.TerminateOutcome>(undefined as never)
    proc.termination = done
    const policy = Effect.intoDeferred(terminatePolicy(proc, settings), done)
    return Effect.flatMap(nothingInFlight(proc), (idle): Effect.Effect<unknown> =>
      idle
        // The process and its pipes are done: the policy has nothing to wait for and runs here, in one go.
        ? Effect.uninterruptible(policy)
        // The release runs uninterruptibly and a forked fiber inherits that; the policy's own timeouts need to
        // interrupt what they bound, so it runs interruptibly (and nobody else holds its fiber to interrupt it).
        : Effect.forkDaemon(Effect.interruptible(policy))).pipe(Effect.zipRight(Deferred.await(done)))
  })

/** The leader exited, its pipes ended, and no member of its group is alive. */
const nothingInFlight = (proc: Process): Effect.Effect<boolean> =>
  proc.exit === undefined || proc.stdout?.ended === false || proc.stderr?.ended === false
    ? Effect.succeed(false)
    : Effect.map(proc.spawned.groupAlive, (alive) => !alive)

const terminateWith = (
  proc: Process,
  options: ManagedProcess.TerminateOptions | undefined
): Effect.Effect<ManagedProcess.TerminateOutcome, ProcessError> =>
  Effect.flatMap(decodeTerminate(proc.command, options, proc.settings), (settings) => terminateOnce(proc, settings))

/**
 * Stop the process group:
 *   - nothing alive (the leader exited and no descendant is left in its group): `AlreadyExited`;
 *   - otherwise send `signal` (and SIGCONT, so a stopped process can act on it) to the whole group and wait up to
 *     `timeout` for the leader's exit and an empty group: `Exited`;
 *   - otherwise SIGKILL the group and wait up to `killTimeout`: `Killed`.
 * A group is "empty" when no member is alive; zombies waiting for their reaper do not count. Then reap.
 */
const terminatePolicy = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(now - started))
    const signalGroup = (signal: Signal) =>
      proc.spawned.signal(signal, "group").pipe(
        Effect.catchAll((error) =>
          Effect.annotateLogs(Effect.logWarning(`could not send ${signal}: ${error.message}`), proc.annotations)
        )
      )
    let outcome: ManagedProcess.TerminateOutcome
    if (proc.exit !== undefined && !(yield* proc.spawned.groupAlive)) {
      outcome = { _tag: "AlreadyExited", exit: proc.exit, elapsed: yield* elapsed }
    } else {
      yield* signalGroup(settings.signal)
      if (settings.signal !== "SIGKILL") yield* signalGroup("SIGCONT")
      if (yield* waitUntilGone(proc, settings.timeout)) {
        outcome = { _tag: "Exited", exit: proc.exit!, elapsed: yield* elapsed }
      } else {
        yield* Effect.annotateLogs(
          Effect.logWarning(`still running ${Duration.format(settings.timeout)} after ${settings.signal}: SIGKILL`),
          proc.annotations
        )
        yield* signalGroup("SIGKILL")
        const gone = yield* waitUntilGone(proc, settings.killTimeout)
        outcome = { _tag: "Killed", exit: proc.exit, elapsed: yield* elapsed, survivors: !gone }
        if (!gone) {
          yield* Effect.annotateLogs(
            Effect.logError("process group still alive after SIGKILL; giving up on it"),
            proc.annotations
          )
        }
      }
    }
    yield* reap(proc)
    yield* recordExit(proc, outcome)
    yield* logDebug(`terminated: ${outcome._tag} in ${Duration.format(outcome.elapsed)}`, () => proc.annotations)
    return outcome
  }).pipe(
    Effect.withSpan("ManagedProcess.terminate", {
      attributes: { pid: proc.pid, signal: settings.signal },
      captureStackTrace: false
    })
  )

const recordExit = (proc: Process, outcome: ManagedProcess.TerminateOutcome): Effect.Effect<void> => {
  const exit = proc.exit
  const [key, value] = exit === undefined
    ? ["signal", "unknown"]
    : exit.signal === undefined
    ? ["exit_code", String(exit.exitCode)]
    : ["signal", exit.signal]
  return Effect.zipRight(
    Metric.increment(Metric.tagged(proc.metrics.exits, key, value)),
    outcome._tag === "Killed" ? Metric.increment(proc.metrics.forcedKills) : Effect.void
  )
}

/** Whether, within `limit`, the leader exited and its group became empty. Polls the group at most every 20 ms. */
const waitUntilGone = (proc: Process, limit: Duration.Duration): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    yield* Deferred.await(proc.exited)
    let delay = 1
    while (yield* proc.spawned.groupAlive) {
      yield* Effect.sleep(Duration.millis(delay))
      delay = Math.min(delay * 2, 20)
    }
  }).pipe(Effect.timeoutOption(limit), Effect.map(Option.isSome))

// -----------------------------------------------------------------------------------------------------------------
// 4. Reap
// -----------------------------------------------------------------------------------------------------------------

/** Let the pipes reach end-of-file (bounded: a descendant outside the group may hold them), close them, flush. */
const reap = (proc: Process): Effect.Effect<void> =>
  Effect.gen(function*() {
    const pipes = [proc.stdout, proc.stderr].filter((channel) => channel !== undefined)
    if (pipes.some((channel) => !channel.ended)) {
      yield* Effect.forEach(pipes, (channel) =>
        Effect.gen(function*() {
          while (!channel.ended) yield* channel.awaitChange(channel.currentVersion)
        }), { concurrency: "unbounded", discard: true }).pipe(Effect.timeoutOption(PIPE_GRACE))
    }
    yield* proc.spawned.closePipes
    for (const channel of pipes) if (!channel.ended) channel.end()
    proc.relay?.end()
    if (proc.relay !== undefined) yield* proc.relay.flush
  })

/** The release of the scope: terminate with the launch options, then refuse further use. */
const release = (proc: Process): Effect.Effect<void> =>
  terminateOnce(proc, proc.settings).pipe(
    Effect.tap((outcome) => logDebug(`released: ${outcome._tag}`, () => proc.annotations)),
    Effect.ensuring(Effect.sync(() => {
      proc.released = true
      proc.stdout?.notify()
      proc.stderr?.notify()
    }))
  )

// -----------------------------------------------------------------------------------------------------------------
// Run to completion
// -----------------------------------------------------------------------------------------------------------------

/** @internal */
export const run = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.RunOptions = {}
): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.scoped(Effect.gen(function*() {
    const { input: stdinInput, maxBuffer = DEFAULT_MAX_BUFFER, successExitCodes = [0], timeout, ...rest } = options
    // Validated before anything is started.
    const limit = timeout === undefined ? undefined : yield* decodeDuration(argvOf(input), "timeout", timeout, 0)
    const proc = yield* makeProcess(input, {
      ...rest,
      // `input` is written then closed; a Command's own stdin (a Stream, or "inherit") is honoured; otherwise the
      // child gets an empty stdin, so `cat` ends at once.
      stdin: stdinInput !== undefined ? "pipe" : hasOwnStdin(input) ? undefined : "ignore",
      relayStderr: options.relayStderr ?? false
    })
    const started = yield* Clock.currentTimeMillis
    if (stdinInput !== undefined) {
      // A child that exits without reading its input is not an error of `run`: its exit code says what happened.
      yield* Effect.forkScoped(Effect.ignore(Effect.zipRight(writeStdin(proc, stdinInput), closeStdin(proc))))
    }
    const work = Effect.zip(collect(proc, maxBuffer), Deferred.await(proc.exited))
    const [[stdout, stderr], exit] = yield* limit === undefined ? work : work.pipe(
      Effect.timeoutFail({ duration: limit, onTimeout: () => timeoutError(proc, "Run", limit) })
    )
    const duration = Duration.millis((yield* Clock.currentTimeMillis) - started)
    if (exit.exitCode === undefined || !successExitCodes.includes(exit.exitCode)) {
      return yield* new ProcessError({
        reason: exit.exitCode === undefined ? "KilledBySignal" : "NonZeroExit",
        command: proc.command,
        pid: proc.pid,
        exitCode: exit.exitCode,
        signal: exit.signal,
        ...proc.tails()
      })
    }
    return { command: proc.command, pid: proc.pid, exitCode: exit.exitCode, stdout, stderr, duration }
  }))

/**
 * Reads stdout and stderr to their end (or until `PIPE_GRACE` after the leader's exit), decoding as it goes, in one
 * loop that wakes on either pipe (or the exit).
 */
const collect = (proc: Process, maxBuffer: number): Effect.Effect<readonly [string, string], ProcessError> => {
  const sinks = [proc.stdout, proc.stderr].map((channel) =>
    channel === undefined ? undefined : new TextSink(channel, maxBuffer)
  )
  const active = sinks.filter((sink) => sink !== undefined)
  const channels = active.map((sink) => sink.channel)
  for (const channel of channels) channel.acquire("run") // a fresh process: nobody else can hold its pipes
  return Effect.gen(function*() {
    for (;;) {
      const versions = channels.map((channel) => channel.currentVersion)
      for (const sink of active) {
        if (!sink.drain()) {
          return yield* new ProcessError({
            reason: "MaxBufferExceeded",
            command: proc.command,
            pid: proc.pid,
            detail: `more than ${maxBuffer} bytes of output`,
            ...proc.tails()
          })
        }
      }
      if (channels.every((channel) => channel.ended) || !(yield* awaitOutput(proc, channels, versions))) break
    }
    return [sinks[0]?.finish() ?? "", sinks[1]?.finish() ?? ""] as const
  }).pipe(Effect.ensuring(Effect.sync(() => channels.forEach((channel) => channel.releaseReader()))))
}

/** Decodes a pipe's output into one growing string, as raw Node code would build it. */
class TextSink {
  private readonly decoder = new TextDecoder()
  private text = ""
  private carry: Uint8Array | undefined = undefined
  private size = 0
  constructor(readonly channel: OutputChannel, private readonly maxBuffer: number) {}

  /** Takes what arrived; false once more than `maxBuffer` bytes came. */
  drain(): boolean {
    for (const chunk of this.channel.takeBytes()) {
      this.size += chunk.length
      if (this.size > this.maxBuffer) return false
      const [text, carry] = decodeComplete(this.decoder, this.carry, chunk)
      this.carry = carry
      this.text += text
    }
    return true
  }

  finish(): string {
    if (this.carry !== undefined) this.text += this.decoder.decode(this.carry) // ended inside a character
    this.carry = undefined
    return this.text
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Data-first / data-last forms
// -----------------------------------------------------------------------------------------------------------------

const isHandle = (args: IArguments) => isManagedProcess(args[0])

/** @internal */
export const waitForOutput = dual(
  (args) => isHandle(args),
  <A>(
    self: ManagedProcess.ManagedProcess<any>,
    pattern: ReadonlyArray<string> | OutputPattern.OutputPattern<A>,
    options?: ManagedProcess.ReadOptions
  ) => self.waitForOutput(pattern as OutputPattern.OutputPattern<A>, options)
) as any

/** @internal */
export const readLine = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.ReadOptions) => self.readLine(options)
)

/** @internal */
export const readChar = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.ReadOptions) => self.readChar(options)
)

/** @internal */
export const write = dual(
  2,
  (self: ManagedProcess.ManagedProcess<any>, input: string | Uint8Array) => self.write(input)
)

/** @internal */
export const terminate = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, options?: ManagedProcess.TerminateOptions) => self.terminate(options)
)
