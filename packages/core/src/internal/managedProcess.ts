/**
 * The lifecycle of a managed process, top to bottom:
 *
 *   1. launch     validate, spawn into a new process group, attach the output pump     (`make`, `launch`)
 *                 (with `retry`, each attempt in a scope of its own)                     (`makeRetrying`)
 *      ready      race the readiness probes against the exit and the timeout           (`awaitReady`)
 *   2. use        the handle: reads (in `reading.ts`), stdin, signals                  (`Handle`)
 *   3. terminate  signal the group, grace, SIGKILL the group, bounded wait             (`terminatePolicy`)
 *   4. reap       wait (bounded) for the pipes, close them, flush the stderr relay     (`reap`)
 *   and `run`: launch, collect the output, await the exit, release.
 *
 * The release of the scope is `terminate` with the options given at launch. Nothing in 3 and 4 waits without a
 * bound, so the release never hangs; nothing in them fails, so the release never fails.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import { pipeArguments } from "effect/Pipeable"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as ManagedProcess from "../ManagedProcess.js"
import type * as OutputPattern from "../OutputPattern.js"
import type { StateError, TimeoutError } from "../ProcessError.js"
import { describeCommand, ProcessError } from "../ProcessError.js"
import {
  type ExitStatus,
  ProcessSpawner,
  type Signal,
  type SpawnedProcess,
  type SpawnListeners
} from "../ProcessSpawner.js"
import type * as Readiness from "../Readiness.js"
import { argvOf, decodeDuration, hasOwnStdin, normalize, type Normalized } from "./command.js"
import * as errors from "./errors.js"
import { invalid, processError } from "./errors.js"
import * as metrics from "./metrics.js"
import { Once } from "./once.js"
import { awaitAnyChange, OutputChannel, type PipeControl } from "./outputChannel.js"
import * as readiness_ from "./readiness.js"
import * as reading from "./reading.js"
import { nextTurn } from "./scheduling.js"
import { StderrRelay } from "./stderrRelay.js"

/** @internal */
export const TypeId: ManagedProcess.TypeId = Symbol.for("@effect-process/core/ManagedProcess") as ManagedProcess.TypeId

/** @internal */
export const DEFAULT_TERMINATE_TIMEOUT: Duration.DurationInput = "7 seconds"
/** @internal */
export const DEFAULT_KILL_TIMEOUT: Duration.DurationInput = "2 seconds"
/** @internal */
export const DEFAULT_READLINE_TIMEOUT: Duration.DurationInput = reading.DEFAULT_READLINE_TIMEOUT
/** @internal */
export const DEFAULT_READCHAR_TIMEOUT: Duration.DurationInput = reading.DEFAULT_READCHAR_TIMEOUT
/** @internal */
export const DEFAULT_WAIT_TIMEOUT: Duration.DurationInput = reading.DEFAULT_WAIT_TIMEOUT
const DEFAULT_READINESS_TIMEOUT: Duration.DurationInput = "60 seconds"
const DEFAULT_MAX_BUFFER = 128 * 1024 * 1024

/**
 * Logs at Debug only when Debug is enabled: building the annotations of a log nobody sees would cost every launch.
 */
const logDebug = (message: string, annotations: () => Record<string, unknown>): Effect.Effect<void> =>
  Effect.flatMap(
    FiberRef.get(FiberRef.currentMinimumLogLevel),
    (minimum) =>
      LogLevel.greaterThanEqual(LogLevel.Debug, minimum)
        ? quietly(Effect.annotateLogs(Effect.logDebug(message), annotations()))
        : Effect.void
  )

/**
 * A log on the launch or release path: a logger that throws must not turn a launch, a stop or a release into a
 * defect, so what it throws is dropped (the log is lost, nothing else is).
 */
const quietly = (log: Effect.Effect<void>): Effect.Effect<void> => Effect.catchAllCause(log, () => Effect.void)

/** The tracer of a runtime that was given none: it records spans nowhere. */
const nativeTracer = Effect.runSync(Effect.tracer)

/**
 * `self` in a span named `name`, unless the tracer is Effect's default one, which reports spans to nobody: a span
 * costs about 19 KB of allocation (measured), and the launch path makes two per process. With a tracer installed
 * (OpenTelemetry, a test tracer), every span is there.
 */
const traced = <A, E, R>(
  name: string,
  attributes: () => Record<string, unknown>,
  self: (traced: boolean) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.tracerWith((tracer) =>
    tracer === nativeTracer
      ? self(false)
      : Effect.withSpan(self(true), name, { attributes: attributes(), captureStackTrace: false })
  )

/** @internal */
export const isManagedProcess = (u: unknown): u is ManagedProcess.ManagedProcess<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

interface TerminateSettings {
  readonly signal: Signal
  readonly timeout: Duration.Duration
  readonly killTimeout: Duration.Duration
}

const DEFAULT_SETTINGS: TerminateSettings = {
  signal: "SIGTERM",
  timeout: Duration.decode(DEFAULT_TERMINATE_TIMEOUT),
  killTimeout: Duration.decode(DEFAULT_KILL_TIMEOUT)
}

const SIGNALS: ReadonlyArray<string> = [
  "SIGTERM",
  "SIGKILL",
  "SIGINT",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGSTOP",
  "SIGCONT",
  "SIGABRT",
  "SIGALRM",
  "SIGPIPE",
  "SIGWINCH"
] satisfies ReadonlyArray<Signal>

/** A signal name the `Signal` type allows, checked at run time (a JavaScript caller may pass anything). */
const decodeSignal = (
  command: ReadonlyArray<string>,
  name: string,
  signal: unknown
): Either.Either<Signal, ProcessError> =>
  typeof signal === "string" && SIGNALS.includes(signal)
    ? Either.right(signal as Signal)
    : Either.left(invalid(command, `${name} must be one of ${SIGNALS.join(", ")} (got ${String(signal).slice(0, 50)})`))

const decodeTerminate = (
  command: ReadonlyArray<string>,
  options: ManagedProcess.TerminateOptions | undefined,
  defaults: TerminateSettings = DEFAULT_SETTINGS
): Either.Either<TerminateSettings, ProcessError> => {
  if (options === undefined) return Either.right(defaults)
  if (options.signal !== undefined && options.signal !== defaults.signal) {
    const signal = decodeSignal(command, "terminate.signal", options.signal)
    if (Either.isLeft(signal)) return Either.left(signal.left)
  }
  if (options.timeout === undefined && options.killTimeout === undefined) {
    // The common case, no durations to decode: no new object on the launch path.
    return Either.right(
      options.signal === undefined || options.signal === defaults.signal
        ? defaults
        : { ...defaults, signal: options.signal }
    )
  }
  return Either.all({
    signal: Either.right(options.signal ?? defaults.signal),
    timeout: decodeDuration(command, "terminate.timeout", options.timeout, defaults.timeout),
    killTimeout: decodeDuration(command, "terminate.killTimeout", options.killTimeout, defaults.killTimeout)
  })
}

// -----------------------------------------------------------------------------------------------------------------
// The process: state shared by the handle, the pump listeners and the release
// -----------------------------------------------------------------------------------------------------------------

class Process implements reading.Readable, SpawnListeners, PipeControl {
  spawned!: SpawnedProcess
  exit: ExitStatus | undefined = undefined
  readonly exited = new Once<ExitStatus>()
  readonly stdout: OutputChannel | undefined
  readonly stderr: OutputChannel | undefined
  stdinClosed = false
  released = false
  pipesOverdue = false
  /** The timer that marks the pipes overdue, while one runs. */
  private pipeTimer: Fiber.RuntimeFiber<void> | undefined = undefined
  termination: Once<Exit.Exit<ManagedProcess.TerminateOutcome>> | undefined = undefined
  readonly relay: StderrRelay | undefined
  readonly metrics: metrics.ProgramMetrics

  constructor(
    readonly spec: Normalized,
    readonly settings: TerminateSettings,
    /** The launching fiber's clock: the pipe timer runs on it (a `TestClock` in tests). */
    private readonly clock: Clock.Clock,
    /** The launching fiber as a runtime, when the stderr relay logs through it. */
    relayRuntime: Runtime.Runtime<never> | undefined
  ) {
    this.metrics = metrics.forProgram(spec.argv)
    this.stdout = spec.request.stdout === "pipe" ? this.channel("stdout") : undefined
    this.stderr = spec.request.stderr === "pipe" ? this.channel("stderr") : undefined
    if (this.stderr !== undefined && relayRuntime !== undefined && spec.relayStderr !== undefined) {
      const relay = new StderrRelay(spec.relayStderr, relayRuntime)
      this.relay = relay
      this.stderr.tap = (chunk) => relay.push(chunk)
    }
  }

  private channel(name: "stdout" | "stderr"): OutputChannel {
    return new OutputChannel(this.spec.bufferSize, this.spec.tailSize, this.spec.maxLineLength, this, name)
  }

  // The platform calls the listeners only after `spawn` succeeded, so `spawned` is set by then.
  pausePipe(name: "stdout" | "stderr"): void {
    this.spawned.pause(name)
  }

  resumePipe(name: "stdout" | "stderr"): void {
    this.spawned.resume(name)
  }

  // --- the listeners of the spawn (the process is its own `SpawnListeners`: no closures per launch) ---

  readonly onStdout = (chunk: Uint8Array): void => this.stdout?.push(chunk)
  readonly onStdoutEnd = (): void => {
    this.stdout?.end()
    this.pipeEnded()
  }
  readonly onStderr = (chunk: Uint8Array): void => this.stderr?.push(chunk)
  readonly onStderrEnd = (): void => {
    this.relay?.end()
    this.stderr?.end()
    this.pipeEnded()
  }
  readonly onExit = (status: ExitStatus): void => {
    this.exit = status
    this.exited.set(status)
    this.startPipeDeadline()
    // Readers waiting for output also watch for the exit.
    this.stdout?.notify()
    this.stderr?.notify()
  }

  private get pipesEnded(): boolean {
    return this.stdout?.ended !== false && this.stderr?.ended !== false
  }

  /**
   * From now on, the pipes get `waitDelay` to reach end-of-file; then they are overdue and every waiting reader is
   * woken to give up. Started when the leader's exit is noticed, or when the release has given up on the group. In
   * the common case the pipes have ended by then and no timer is started at all.
   */
  startPipeDeadline(): void {
    if (this.pipesOverdue || this.pipeTimer !== undefined || this.pipesEnded || this.deadlinePending) return
    // The ends usually arrive in the same turn of the event loop as the exit: look again in the next one before
    // starting a timer (a fiber of its own, with its clock).
    this.deadlinePending = true
    nextTurn(() => {
      this.deadlinePending = false
      this.startPipeTimer()
    })
  }

  private deadlinePending = false

  private startPipeTimer(): void {
    if (this.pipesOverdue || this.pipeTimer !== undefined || this.pipesEnded) return
    this.pipeTimer = Runtime.runFork(Runtime.defaultRuntime)(
      Effect.withClock(Effect.sleep(this.spec.waitDelay), this.clock).pipe(
        Effect.zipRight(Effect.sync(() => {
          this.pipeTimer = undefined
          this.pipesOverdue = true
          this.stdout?.notify()
          this.stderr?.notify()
        }))
      )
    )
  }

  /** A pipe ended (or the release closed them): once both have, stop the timer. */
  pipeEnded(): void {
    const timer = this.pipeTimer
    if (timer !== undefined && this.pipesEnded) {
      // Nothing left to wait for: the timer must not keep the program alive.
      this.pipeTimer = undefined
      timer.unsafeInterruptAsFork(FiberId.none)
    }
  }

  get command(): ReadonlyArray<string> {
    return this.spec.argv
  }

  get waitDelay(): Duration.Duration {
    return this.spec.waitDelay
  }

  get pid(): number {
    return this.spawned.pid
  }

  private cachedAnnotations: Record<string, unknown> | undefined = undefined

  /** What every log about this process is annotated with. */
  get annotations(): Record<string, unknown> {
    return this.cachedAnnotations ??= { pid: this.spawned.pid, command: describeCommand(this.spec.argv, 300) }
  }

  tails(): { stdoutTail: string | undefined; stderrTail: string | undefined } {
    return { stdoutTail: this.stdout?.tail.text(), stderrTail: this.stderr?.tail.text() }
  }

  stateError(reason: StateError["reason"], operation: string): StateError {
    return errors.stateError(this, reason, operation)
  }

  /** The release happened: refuse further use and wake every waiting reader, so that each one ends. */
  markReleased(): void {
    this.released = true
    this.stdout?.notify()
    this.stderr?.notify()
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
): Acquire<A, E, R> => {
  const readiness = options.readiness
  if (readiness === undefined) {
    return Effect.map(makeProcess(input, options, true), (proc) => new Handle(proc, undefined as A))
  }
  return Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const proc = yield* makeProcess(input, options, true)
    const timeout = yield* decodeDuration(
      proc.command,
      "readinessTimeout",
      options.readinessTimeout,
      DEFAULT_READINESS_TIMEOUT
    )
    const ready = yield* awaitReady(proc, readiness, timeout)
    const now = yield* Clock.currentTimeMillis
    yield* Metric.update(proc.metrics.launchToReady, (now - started) / 1000)
    return new Handle(proc, ready)
  })
}

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
          quietly(
            Effect.logWarning(`launch attempt ${attempts} failed`, error).pipe(
              Effect.annotateLogs({ command: describeCommand(argvOf(input), 300) })
            )
          )
        )
      )
    })
    return yield* attempt.pipe(
      Effect.retry({ schedule, while: retryWhile }),
      Effect.mapError((error) => errors.withAttempts(error, attempts))
    )
  })

/** Validates (nothing is started on invalid input), then hands `use` the launch to run. */
const prepare = <A, E, R>(
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<any, any, any>,
  relayDefault: boolean,
  use: (launching: Effect.Effect<Process, ProcessError>, spec: Normalized) => Effect.Effect<A, E, R>
): Effect.Effect<A, ProcessError | E, ProcessSpawner | R> => {
  const decoded = Either.flatMap(
    normalize(input, options, relayDefault),
    (spec) => Either.map(decodeTerminate(spec.argv, options.terminate), (settings) => [spec, settings] as const)
  )
  if (Either.isLeft(decoded)) return Effect.fail(decoded.left)
  const [spec, settings] = decoded.right
  return Effect.flatMap(ProcessSpawner, (spawner) => use(launch(spawner.spawn, spec, settings), spec))
}

/** Validates, launches, and registers the release in the current scope. `relayDefault`: relay stderr by default. */
const makeProcess = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.Options<any, any, any>,
  relayDefault: boolean
): Effect.Effect<Process, ProcessError, ProcessSpawner | Scope.Scope> =>
  prepare(input, options, relayDefault, (launching, spec) =>
    Effect.scopeWith((scope) => {
      // `acquireRelease`, without capturing the fiber's refs for the finalizer (a diff of every FiberRef, about
      // 20 KB of allocation per process, measured): the release carries its own log annotations.
      const acquired = Effect.uninterruptible(
        Effect.tap(launching, (proc) => Scope.addFinalizerExit(scope, () => release(proc)))
      )
      const stdin = spec.stdinStream
      return stdin === undefined
        ? acquired
        : Effect.tap(acquired, (proc) => Effect.forkIn(feedStdin(proc, stdin), scope))
    }))

/**
 * The launching fiber as a runtime for the stderr relay, which logs through the fiber's loggers, annotations and
 * log level. Taking a fiber's refs copies all of them (a `FiberRefs` map, kept by every relaying process): when the
 * refs a logger sees are the same as for the previous launch (the common case: one program, one logging set-up),
 * the previous runtime is reused. The fiber's context is not compared: it differs between fibers that launch in
 * parallel (each has a `Scope` of its own) and loggers do not read services from it.
 */
const relayRuntimeOf = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  flags: RuntimeFlags.RuntimeFlags
): Runtime.Runtime<never> => {
  const key = [
    fiber.currentDefaultServices,
    fiber.getFiberRef(FiberRef.currentLoggers),
    fiber.getFiberRef(FiberRef.currentLogAnnotations),
    fiber.getFiberRef(FiberRef.currentLogSpan),
    fiber.getFiberRef(FiberRef.currentMinimumLogLevel),
    fiber.getFiberRef(FiberRef.currentLogLevel),
    fiber.getFiberRef(FiberRef.currentMetricLabels),
    fiber.currentTracer,
    flags
  ] as const
  const cached = lastRelayRuntime
  if (cached !== undefined && cached.key.every((value, i) => value === key[i])) return cached.runtime
  const runtime = Runtime.make({ context: fiber.currentContext, runtimeFlags: flags, fiberRefs: fiber.getFiberRefs() })
  lastRelayRuntime = { key, runtime }
  return runtime
}

let lastRelayRuntime: { readonly key: ReadonlyArray<unknown>; readonly runtime: Runtime.Runtime<never> } | undefined

/**
 * Spawns, and reads what the launch needs of the launching fiber in the same step: its tracer, its clock, its
 * log level, its metric labels, and (only for the stderr relay, which logs through it) the fiber as a runtime. This
 * is on the path of every launch, and each Effect step costs several times more right after a fork (measured: the
 * same launch code took about 60 us alone and 150-190 us between spawns): it is written as few steps as it can be.
 */
const launch = (
  spawn: ProcessSpawner["Type"]["spawn"],
  spec: Normalized,
  settings: TerminateSettings
): Effect.Effect<Process, ProcessError> =>
  Effect.withFiberRuntime((fiber, status) => {
    const minimum = fiber.getFiberRef(FiberRef.currentMinimumLogLevel)
    // A relay at a level the logger would discard costs nothing: no relay at all.
    const relaying = spec.relayStderr !== undefined && spec.request.stderr === "pipe" &&
      LogLevel.greaterThanEqual(spec.relayStderr, minimum)
    const relayRuntime = relaying ? relayRuntimeOf(fiber, status.runtimeFlags) : undefined
    const proc = new Process(spec, settings, Context.get(fiber.currentDefaultServices, Clock.Clock), relayRuntime)
    const debug = LogLevel.greaterThanEqual(LogLevel.Debug, minimum)
    const tracing = fiber.currentTracer !== nativeTracer
    const spawning = Effect.flatMap(spawn(spec.request, proc), (spawned) => {
      proc.spawned = spawned
      if (proc.relay !== undefined) proc.relay.annotations = { ...proc.annotations, stream: "stderr" }
      proc.metrics.launches.unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
      const launched = debug
        ? Effect.as(
          quietly(Effect.annotateLogs(Effect.logDebug("process launched"), {
            ...proc.annotations,
            cwd: spec.cwd ?? "",
            envKeys: Object.keys(spec.request.env.set).join(",") // names only: values are secrets
          })),
          proc
        )
        : Effect.succeed(proc)
      return tracing ? Effect.zipRight(Effect.annotateCurrentSpan("pid", spawned.pid), launched) : launched
    })
    return tracing
      ? Effect.withSpan(spawning, "ManagedProcess.launch", {
        attributes: { command: describeCommand(spec.argv, 300) },
        captureStackTrace: false
      })
      : spawning
  })

const feedStdin = (proc: Process, stream: Stream.Stream<Uint8Array, unknown>): Effect.Effect<void> =>
  Stream.runForEach(stream, (chunk) => writeStdin(proc, chunk)).pipe(
    Effect.zipRight(closeStdin(proc)),
    Effect.catchAllCause((cause) => quietly(Effect.logDebug("stdin stream of the Command ended with an error", cause)))
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
    processError(proc, "ExitedBeforeReady", {
      detail: pending.size === 0 ? undefined : `waiting for ${[...pending].join(", ")}`,
      cause
    })
  const context: readiness_.CheckContext = {
    command: proc.command,
    matchOutput: (pattern) => reading.matchPattern(proc, pattern, pattern.matcher(), "readiness"),
    matchEach: (readers, stop) => reading.matchEach(proc, readers, stop),
    settled: (description) => pending.delete(description)
  }
  // Output written just before the exit may still be in flight: let output probes see it first.
  const failOnExit = proc.exited.await().pipe(
    Effect.zipRight(Effect.sleep(proc.waitDelay)),
    Effect.zipRight(Effect.suspend(() => Effect.fail(exitedBeforeReady())))
  )
  return Effect.raceFirst(readiness_.check(readiness, context), failOnExit).pipe(
    Effect.catchIf(
      (error): error is ProcessError =>
        error instanceof ProcessError && (error.reason === "ExitedBeforeMatch" || error.reason === "OutputEnded"),
      (error) => Effect.fail(exitedBeforeReady(error))
    ),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        errors.timeoutError(proc, "Readiness", timeout, {
          expected: [...pending].join(", ") || readiness.description
        })
    }),
    Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : terminateOnce(proc, proc.settings)),
    Effect.withSpan("ManagedProcess.ready", {
      attributes: { pid: proc.pid, readiness: readiness.description },
      captureStackTrace: false
    })
  )
}

/**
 * Runs `readiness` against a running process, as a health check: no timeout and no race with the exit (the caller
 * bounds it), and output probes read as any other reader would.
 *
 * @internal
 */
export const checkHealth = <A, E, R>(
  handle: ManagedProcess.ManagedProcess<unknown>,
  readiness: Readiness.Readiness<A, E, R>
): Effect.Effect<A, E | ProcessError | StateError, R> => {
  const proc = (handle as Handle<unknown>).process
  return readiness_.check(readiness, {
    command: proc.command,
    matchOutput: (pattern) => reading.matchPattern(proc, pattern, pattern.matcher(), "health check"),
    matchEach: (readers, stop) => reading.matchEach(proc, readers, stop),
    settled: () => {}
  })
}

// -----------------------------------------------------------------------------------------------------------------
// 2. Use: the handle
// -----------------------------------------------------------------------------------------------------------------

/**
 * The handle is a thin view of the process: its methods live on the prototype and its Effects and streams are
 * built when asked for, so that an idle process costs only its state.
 */
class Handle<A> implements ManagedProcess.ManagedProcess<A> {
  readonly [TypeId]: ManagedProcess.TypeId = TypeId
  constructor(private readonly proc: Process, readonly ready: A) {}

  /** @internal */
  get process(): Process {
    return this.proc
  }
  get pid(): number {
    return this.proc.pid
  }
  get command(): ReadonlyArray<string> {
    return this.proc.command
  }
  get status(): Effect.Effect<ManagedProcess.Status> {
    return Effect.sync(() => {
      const exit = this.proc.exit
      return exit === undefined ? { _tag: "Running" } : { _tag: "Exited", exitCode: exit.exitCode, signal: exit.signal }
    })
  }
  get isRunning(): Effect.Effect<boolean> {
    return Effect.sync(() => this.proc.exit === undefined)
  }
  get awaitExit(): Effect.Effect<ExitStatus> {
    return this.proc.exited.await()
  }
  kill(signal?: Signal): Effect.Effect<void, ProcessError | StateError> {
    return kill(this.proc, signal ?? "SIGTERM")
  }
  terminate(options?: ManagedProcess.TerminateOptions): Effect.Effect<ManagedProcess.TerminateOutcome, ProcessError> {
    return terminateWith(this.proc, options)
  }
  get stdout(): Stream.Stream<Uint8Array, StateError> {
    return reading.byteStream(this.proc, "stdout")
  }
  get stderr(): Stream.Stream<Uint8Array, StateError> {
    return reading.byteStream(this.proc, "stderr")
  }
  get lines(): Stream.Stream<string, StateError | ProcessError> {
    return reading.lineStream(this.proc, "stdout")
  }
  get stderrLines(): Stream.Stream<string, StateError | ProcessError> {
    return reading.lineStream(this.proc, "stderr")
  }
  readLine(options?: ManagedProcess.ReadOptions): Effect.Effect<string, ProcessError | StateError | TimeoutError> {
    return reading.readLine(this.proc, options)
  }
  takeLines(
    count: number,
    options?: ManagedProcess.ReadOptions
  ): Effect.Effect<ReadonlyArray<string>, ProcessError | StateError | TimeoutError> {
    return reading.takeLines(this.proc, count, options)
  }
  readChar(options?: ManagedProcess.ReadOptions): Effect.Effect<string, ProcessError | StateError | TimeoutError> {
    return reading.readChar(this.proc, options)
  }
  waitForOutput(pattern: any, options?: ManagedProcess.ReadOptions): Effect.Effect<any, any> {
    return reading.waitForOutput(this.proc, pattern, options)
  }
  write(input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError> {
    return writeStdin(this.proc, input)
  }
  get closeStdin(): Effect.Effect<void, StateError> {
    return closeStdin(this.proc)
  }
  get stdoutTail(): Effect.Effect<string> {
    return Effect.sync(() => this.proc.stdout?.tail.text() ?? "")
  }
  get stderrTail(): Effect.Effect<string> {
    return Effect.sync(() => this.proc.stderr?.tail.text() ?? "")
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString() {
    return `ManagedProcess(${this.pid}: ${describeCommand(this.command, 300)})`
  }
}

const kill = (proc: Process, signal: Signal): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "kill"))
    const valid = decodeSignal(proc.command, "kill", signal)
    if (Either.isLeft(valid)) return Effect.fail(valid.left)
    return proc.spawned.signal(signal, "group").pipe(
      Effect.mapError((error) => processError(proc, "SignalFailed", { signal, errno: error.code, cause: error.cause })),
      Effect.asVoid
    )
  })

const encoder = new TextEncoder()

const writeStdin = (proc: Process, input: string | Uint8Array): Effect.Effect<void, ProcessError | StateError> =>
  Effect.suspend((): Effect.Effect<void, ProcessError | StateError> => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "write"))
    if (proc.spec.request.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "write"))
    if (proc.stdinClosed) return Effect.fail(proc.stateError("StdinClosed", "write"))
    if (typeof input !== "string" && !(input instanceof Uint8Array)) {
      return Effect.fail(
        errors.invalidArgument(
          proc,
          `write: the input must be a string or a Uint8Array (got ${input === null ? "null" : typeof input})`
        )
      )
    }
    return proc.spawned.write(typeof input === "string" ? encoder.encode(input) : input).pipe(
      Effect.mapError((error) =>
        processError(proc, "WriteFailed", {
          errno: error.code,
          detail: proc.exit === undefined ? error.message : "the process has exited",
          cause: error.cause
        })
      )
    )
  })

const closeStdin = (proc: Process): Effect.Effect<void, StateError> =>
  Effect.suspend(() => {
    if (proc.released) return Effect.fail(proc.stateError("Released", "closeStdin"))
    if (proc.spec.request.stdin !== "pipe") return Effect.fail(proc.stateError("NotPiped", "closeStdin"))
    proc.stdinClosed = true
    return proc.spawned.closeStdin
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
    if (proc.termination !== undefined) return Effect.flatten(proc.termination.await())
    const done = new Once<Exit.Exit<ManagedProcess.TerminateOutcome>>()
    proc.termination = done
    // The release runs uninterruptibly and a forked fiber inherits that; the policy's own timeouts need to
    // interrupt what they bound, so it runs interruptibly (and nobody else holds its fiber to interrupt it).
    const policy = Effect.forkDaemon(Effect.interruptible(
      Effect.onExit(terminatePolicy(proc, settings), (exit) => Effect.sync(() => done.set(exit)))
    )).pipe(Effect.zipRight(Effect.flatten(done.await())))
    if (proc.exit === undefined || proc.stdout?.ended === false || proc.stderr?.ended === false) return policy
    // The leader exited and its pipes ended (every `run`, most releases): if its group is empty too, there is
    // nothing to wait for, and the outcome is settled here, in one step.
    return Effect.flatMap(proc.spawned.groupAlive, (alive) => alive ? policy : settleExited(proc, done))
  })

/**
 * `AlreadyExited` without the policy's machinery: close the pipes, count the exit, flush the relay, in one step of
 * this fiber. A fiber, a span and a dozen steps per release are not free (measured: about 50 KB of allocation per
 * release); this path is what the policy does when nothing is alive. With a tracer installed it takes the policy,
 * which runs in a span.
 */
const settleExited = (
  proc: Process,
  done: Once<Exit.Exit<ManagedProcess.TerminateOutcome>>
): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.uninterruptible(Effect.withFiberRuntime((fiber) => {
    const outcome: ManagedProcess.TerminateOutcome = { _tag: "AlreadyExited", exit: proc.exit!, elapsed: Duration.zero }
    const finish = Effect.sync(() => {
      done.set(Exit.succeed(outcome))
      return outcome
    })
    if (fiber.currentTracer !== nativeTracer) {
      return Effect.zipRight(
        Effect.withSpan(reap(proc), "ManagedProcess.terminate", {
          attributes: { pid: proc.pid, signal: "none" },
          captureStackTrace: false
        }),
        Effect.zipRight(recordExit(proc, outcome), finish)
      )
    }
    for (const channel of [proc.stdout, proc.stderr]) channel?.end()
    proc.pipeEnded()
    proc.metrics.exitsFor(proc.exit).unsafeUpdate(1, fiber.getFiberRef(FiberRef.currentMetricLabels))
    const relay = proc.relay
    if (relay !== undefined) relay.end()
    const debug = LogLevel.greaterThanEqual(LogLevel.Debug, fiber.getFiberRef(FiberRef.currentMinimumLogLevel))
    const closed = relay === undefined || relay.idle
      ? proc.spawned.closePipes
      : Effect.zipRight(proc.spawned.closePipes, relay.flush)
    return Effect.zipRight(
      debug ? Effect.zipRight(closed, logDebug("terminated: AlreadyExited", () => proc.annotations)) : closed,
      finish
    )
  }))

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
  traced(
    "ManagedProcess.terminate",
    () => ({ pid: proc.pid, signal: settings.signal }),
    () => terminateSteps(proc, settings)
  )

const terminateSteps = (proc: Process, settings: TerminateSettings): Effect.Effect<ManagedProcess.TerminateOutcome> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(now - started))
    const signalGroup = (signal: Signal) =>
      proc.spawned.signal(signal, "group").pipe(
        Effect.catchAll((error) =>
          quietly(
            Effect.annotateLogs(Effect.logWarning(`could not send ${signal}: ${error.message}`), proc.annotations)
          )
        )
      )
    let outcome: ManagedProcess.TerminateOutcome
    if (proc.exit !== undefined && !(yield* proc.spawned.groupAlive)) {
      outcome = { _tag: "AlreadyExited", exit: proc.exit, elapsed: yield* elapsed }
    } else {
      yield* signalGroup(settings.signal)
      if (settings.signal !== "SIGKILL") yield* signalGroup("SIGCONT")
      if (yield* waitUntilGone(proc, settings.timeout, yield* Clock.currentTimeMillis)) {
        outcome = { _tag: "Exited", exit: proc.exit!, elapsed: yield* elapsed }
      } else {
        yield* signalGroup("SIGKILL")
        const killed = yield* Clock.currentTimeMillis
        yield* quietly(Effect.annotateLogs(
          Effect.logWarning(`still running ${Duration.format(settings.timeout)} after ${settings.signal}: SIGKILL`),
          proc.annotations
        ))
        const gone = yield* waitUntilGone(proc, settings.killTimeout, killed)
        outcome = { _tag: "Killed", exit: proc.exit, elapsed: yield* elapsed, survivors: !gone }
        if (!gone) {
          yield* quietly(Effect.annotateLogs(
            Effect.logError("process group still alive after SIGKILL; giving up on it"),
            proc.annotations
          ))
        }
      }
    }
    yield* reap(proc)
    yield* recordExit(proc, outcome)
    yield* logDebug(`terminated: ${outcome._tag} in ${Duration.format(outcome.elapsed)}`, () => proc.annotations)
    return outcome
  })

const recordExit = (proc: Process, outcome: ManagedProcess.TerminateOutcome): Effect.Effect<void> => {
  const increment = Metric.increment(proc.metrics.exitsFor(proc.exit))
  return outcome._tag === "Killed" ? Effect.zipRight(increment, Metric.increment(proc.metrics.forcedKills)) : increment
}

/**
 * Whether, within `limit` from `since`, the leader exited and its group became empty. Polls the group at most every 20 ms once
 * the leader is gone.
 *
 * The limit is one timer fiber that sets a flag, not a `timeout` around the wait: a timeout races two fibers and
 * interrupts the loser, which is measurable when a scope stops many processes whose graces end at once (20
 * TERM-ignoring processes took about 15 ms longer than their grace that way).
 */
const waitUntilGone = (proc: Process, limit: Duration.Duration, since: number): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const expired = new Once<void>()
    // Counted from `since` (the signal), not from when the timer's fiber gets to run.
    const timer = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) => Effect.sleep(Duration.millis(Math.max(0, since + Duration.toMillis(limit) - now)))
    )
    return Effect.flatMap(
      Effect.forkDaemon(Effect.zipRight(timer, Effect.sync(() => expired.set(undefined)))),
      (timer) => {
        const poll = (delay: number): Effect.Effect<boolean> =>
          Effect.flatMap(proc.spawned.groupAlive, (alive) =>
            !alive
              ? Effect.succeed(true)
              : expired.isDone
              ? Effect.succeed(false)
              : Effect.zipRight(Effect.sleep(Duration.millis(delay)), poll(Math.min(delay * 2, 20))))
        const waitForExit: Effect.Effect<boolean> = Effect.async<boolean>((resume) => {
          if (proc.exit !== undefined) return resume(Effect.succeed(true))
          if (expired.isDone) return resume(Effect.succeed(false))
          const onExit = () => {
            expired.removeWaiter(onDeadline)
            resume(Effect.succeed(true))
          }
          const onDeadline = () => {
            proc.exited.removeWaiter(onExit)
            resume(Effect.succeed(false))
          }
          proc.exited.addWaiter(onExit)
          expired.addWaiter(onDeadline)
          return Effect.sync(() => {
            proc.exited.removeWaiter(onExit)
            expired.removeWaiter(onDeadline)
          })
        })
        return Effect.flatMap(waitForExit, (exited) => exited ? poll(1) : Effect.succeed(false)).pipe(
          Effect.ensuring(Effect.sync(() => timer.unsafeInterruptAsFork(FiberId.none)))
        )
      }
    )
  })

// -----------------------------------------------------------------------------------------------------------------
// 4. Reap
// -----------------------------------------------------------------------------------------------------------------

/**
 * Let the pipes reach end-of-file (bounded: a descendant outside the group may hold them, so they get at most
 * `waitDelay` from the exit, or from now if the exit was never seen), close them, flush the relay.
 */
const reap = (proc: Process): Effect.Effect<void> =>
  Effect.suspend(() => {
    const pipes = [proc.stdout, proc.stderr].filter((channel) => channel !== undefined)
    const close = Effect.suspend(() => {
      for (const channel of pipes) channel.end()
      proc.pipeEnded()
      proc.relay?.end()
      return proc.relay === undefined || proc.relay.idle
        ? proc.spawned.closePipes
        : Effect.zipRight(proc.spawned.closePipes, proc.relay.flush)
    })
    if (pipes.every((channel) => channel.ended)) return close
    proc.startPipeDeadline()
    const waitForEnds: Effect.Effect<void> = Effect.suspend(() => {
      if (proc.pipesOverdue || pipes.every((channel) => channel.ended)) return Effect.void
      return Effect.zipRight(awaitAnyChange(pipes, pipes.map((channel) => channel.currentVersion)), waitForEnds)
    })
    return Effect.zipRight(waitForEnds, close)
  })

/** The release of the scope: terminate with the launch options, then refuse further use. */
const release = (proc: Process): Effect.Effect<void> =>
  Effect.ensuring(terminateOnce(proc, proc.settings), Effect.sync(() => proc.markReleased()))

// -----------------------------------------------------------------------------------------------------------------
// Run to completion
// -----------------------------------------------------------------------------------------------------------------

/**
 * Launch, write the input, collect the output, await the exit, release. Without a `Scope`: the release is the
 * `onExit` of an uninterruptible region whose use is interruptible, as `acquireRelease` would do it, but without a
 * scope and its finalizer map per run (about 40 KB of allocation, measured, on the path of every `run`).
 *
 * @internal
 */
export const run = (
  input: ManagedProcess.CommandInput,
  options: ManagedProcess.RunOptions = {}
): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> =>
  Effect.suspend((): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError, ProcessSpawner> => {
    const { input: stdinInput, maxBuffer = DEFAULT_MAX_BUFFER, successExitCodes = [0], timeout, ...rest } = options
    // Validated before anything is started.
    const limit = timeout === undefined ? undefined : decodeDuration(argvOf(input), "timeout", timeout, 0)
    if (limit !== undefined && Either.isLeft(limit)) return Effect.fail(limit.left)
    const launchOptions = {
      ...rest,
      // `input` is written then closed; a Command's own stdin (a Stream, or "inherit") is honoured; otherwise the
      // child gets an empty stdin, so `cat` ends at once.
      stdin: stdinInput !== undefined ? "pipe" as const : hasOwnStdin(input) ? undefined : "ignore" as const
    }
    return prepare(
      input,
      launchOptions,
      false,
      (launching, spec) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(launching, (proc) => {
            const body = runToCompletion(proc, {
              stdinInput,
              stdinStream: spec.stdinStream,
              maxBuffer,
              successExitCodes,
              limit: limit?.right
            })
            return Effect.onExit(restore(body), () => release(proc))
          })
        )
    )
  })

const runToCompletion = (proc: Process, options: {
  readonly stdinInput: string | Uint8Array | undefined
  readonly stdinStream: Stream.Stream<Uint8Array, unknown> | undefined
  readonly maxBuffer: number
  readonly successExitCodes: ReadonlyArray<number>
  readonly limit: Duration.Duration | undefined
}): Effect.Effect<ManagedProcess.RunResult, ProcessError | TimeoutError> =>
  Effect.flatMap(Clock.currentTimeMillis, (started) => {
    const { limit, stdinInput, stdinStream } = options
    // A child that exits without reading its input is not an error of `run`: its exit code says what happened.
    const feeding = stdinInput !== undefined
      ? Effect.ignore(Effect.zipRight(writeStdin(proc, stdinInput), closeStdin(proc)))
      : stdinStream !== undefined
      ? feedStdin(proc, stdinStream)
      : undefined
    const collected: Effect.Effect<readonly [string, string, ExitStatus], ProcessError | TimeoutError> =
      limit === undefined ? reading.collect(proc, options.maxBuffer) : reading.collect(proc, options.maxBuffer).pipe(
        Effect.timeoutFail({ duration: limit, onTimeout: () => errors.timeoutError(proc, "Run", limit) })
      )
    const work = feeding === undefined
      ? collected
      : Effect.flatMap(Effect.forkDaemon(feeding), (writer) => Effect.ensuring(collected, Fiber.interrupt(writer)))
    return Effect.flatMap(
      work,
      ([stdout, stderr, exit]) =>
        Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<ManagedProcess.RunResult, ProcessError> => {
          if (exit.exitCode === undefined || !options.successExitCodes.includes(exit.exitCode)) {
            return Effect.fail(processError(proc, exit.exitCode === undefined ? "KilledBySignal" : "NonZeroExit"))
          }
          return Effect.succeed({
            command: proc.command,
            pid: proc.pid,
            exitCode: exit.exitCode,
            stdout,
            stderr,
            duration: Duration.millis(now - started)
          })
        })
    )
  })

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
export const takeLines = dual(
  (args) => isHandle(args),
  (self: ManagedProcess.ManagedProcess<any>, count: number, options?: ManagedProcess.ReadOptions) =>
    self.takeLines(count, options)
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
