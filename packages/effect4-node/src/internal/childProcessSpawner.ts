/**
 * Effect 4's `ChildProcessSpawner` (`effect/process`) on this library's process resource. Code written against
 * `ChildProcess` keeps its contract (the handle, a non-zero exit as a value of `exitCode`, a signal as its failure,
 * `PlatformError`s with platform-node's reasons, a command's `env` replacing the environment unless `extendEnv`),
 * and gets the guarantees:
 *
 * - the release of `spawn`'s scope, and `kill()`, are the bounded termination of the whole process group: the
 *   command's `killSignal` (SIGTERM by default), a grace (`forceKillAfter`, 7 seconds by default), then SIGKILL,
 *   also when the leader already exited 0 and left a child behind;
 * - output is always drained, so a child never blocks on a full pipe nobody reads;
 * - the run-to-completion helpers (`exitCode`, `string`, `lines`, `streamString`, `streamLines`) give the child an
 *   empty stdin unless the command has one of its own, so `cat` ends; `spawn` keeps the pipe for the handle's
 *   `stdin`;
 * - every process is known to the parent-death reaper of the spawner it runs on.
 *
 * What it does not do: additional file descriptors (`additionalFds`: a `BadArgument`), `detached: false` (every
 * child leads a process group of its own: that is how the group is terminated), and `unref` (it succeeds and
 * changes nothing: the child stays tied to its scope, which terminates it).
 */
import { ManagedProcess, type ProcessError, ProcessSpawner, type StateError, type TimeoutError } from "effect-process"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PlatformError from "effect/PlatformError"
import * as ChildProcess from "effect/process/ChildProcess"
import {
  type ChildProcessHandle,
  ChildProcessSpawner,
  ExitCode,
  makeHandle,
  ProcessId
} from "effect/process/ChildProcessSpawner"
import * as CommandLine from "effect/process/CommandLine"
import * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"

type Spawner = ProcessSpawner.ProcessSpawner["Service"]

const isAccessible = (path: string): boolean => {
  try {
    Fs.accessSync(path)
    return true
  } catch {
    return false
  }
}

/** How a command is shown in errors: the stages, as platform-node shows them (redacted words as `<redacted>`). */
const describe = (command: ChildProcess.Command): string =>
  flatten(command).stages.map((stage) => CommandLine.display([stage.command, ...stage.args])).join(" | ")

/** The errno reasons platform-node maps (`handleErrnoException`); any other errno is `Unknown`. */
const REASONS: Record<string, PlatformError.SystemErrorTag> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  EISDIR: "BadResource",
  ENOTDIR: "BadResource",
  EBUSY: "Busy",
  ELOOP: "BadResource"
}

/**
 * A `ProcessError` (or a `StateError` of a misuse) as the `PlatformError` platform-node would give: a malformed
 * command is a `BadArgument`; the rest are `SystemError`s with platform's reason for the errno.
 */
const toPlatformError =
  (command: ChildProcess.Command, method: string) =>
  (error: ProcessError | StateError | TimeoutError): PlatformError.PlatformError =>
    error._tag === "ProcessError" && error.reason === "InvalidCommand"
      ? PlatformError.badArgument({ module: "ChildProcess", method, description: error.message, cause: error })
      : systemErrorOf(command, method, error, error._tag === "ProcessError" ? error.errno : undefined)

const systemErrorOf = (
  command: ChildProcess.Command,
  method: string,
  error: ProcessError | StateError | TimeoutError,
  errno: string | undefined
): PlatformError.PlatformError =>
  PlatformError.systemError({
    _tag: (errno !== undefined ? REASONS[errno] : undefined) ?? "Unknown",
    module: "ChildProcess",
    method,
    pathOrDescriptor: describe(command),
    description: error.message,
    syscall: errno !== undefined ? "spawn" : undefined,
    cause: error
  })

const badArgument = (description: string) =>
  Effect.fail(PlatformError.badArgument({ module: "ChildProcess", method: "spawn", description }))

/** An output option's mode or Sink, whether given alone or in a `StdoutConfig`. */
const outputOf = (option: ChildProcess.CommandOutput | ChildProcess.StdoutConfig | undefined) =>
  typeof option === "object" && option !== null && !Sink.isSink(option) ? option.stream : option

/** The stdin option's mode or Stream, whether given alone or in a `StdinConfig`. */
const inputOf = (command: ChildProcess.StandardCommand) => {
  const option = command.options.stdin
  return typeof option === "object" && option !== null && !Stream.isStream(option) ? option.stream : option
}

/** An output option's Sink, if it is one. */
const sinkOf = (
  option: ChildProcess.CommandOutput | ChildProcess.StdoutConfig | undefined
): Sink.Sink<Uint8Array, Uint8Array, never, PlatformError.PlatformError> | undefined => {
  const output = outputOf(option)
  return Sink.isSink(output) ? output : undefined
}

/** Whether an output of the command is a pipe (a Sink is read through one); `"inherit"` and `"ignore"` are not. */
const isPiped = (option: ChildProcess.CommandOutput | ChildProcess.StdoutConfig | undefined): boolean => {
  const output = outputOf(option)
  return output === undefined || output === "pipe" || Sink.isSink(output)
}

/** Whether the command's stdin is its own (a Stream to feed, `"inherit"`, `"ignore"`) rather than the pipe. */
const hasOwnStdin = (command: ChildProcess.StandardCommand): boolean => {
  const input = inputOf(command)
  return input !== undefined && input !== "pipe"
}

/** The command's stdin, when it is a Stream to feed. */
const stdinStreamOf = (
  command: ChildProcess.StandardCommand
): Stream.Stream<Uint8Array, PlatformError.PlatformError> | undefined => {
  const input = inputOf(command)
  return Stream.isStream(input) ? input : undefined
}

/** How the process is stopped: the command's kill options over this library's defaults. */
const terminateOptions = (options: ChildProcess.KillOptions | undefined): ManagedProcess.TerminateOptions => ({
  ...(options?.killSignal === undefined ? {} : { signal: options.killSignal as ProcessSpawner.Signal }),
  ...(options?.forceKillAfter === undefined ? {} : { timeout: options.forceKillAfter })
})

/** The launch's stdin where the command says nothing: the helpers give an empty one, `spawn` the pipe. */
type StdinDefault = "pipe" | "ignore"

/** The stages of a command, left to right, and the options of the pipe between each stage and the next. */
const flatten = (
  command: ChildProcess.Command
): {
  readonly stages: ReadonlyArray<ChildProcess.StandardCommand>
  readonly pipes: ReadonlyArray<ChildProcess.PipeOptions>
} => {
  if (ChildProcess.isStandardCommand(command)) return { stages: [command], pipes: [] }
  const left = flatten(command.left)
  const right = flatten(command.right)
  return { stages: [...left.stages, ...right.stages], pipes: [...left.pipes, command.options, ...right.pipes] }
}

const launch = (
  spawner: Spawner,
  command: ChildProcess.Command,
  stdinDefault: StdinDefault
): Effect.Effect<ChildProcessHandle, PlatformError.PlatformError, Scope.Scope> =>
  Effect.suspend(() => {
    const { pipes, stages } = flatten(command)
    for (const pipe of pipes) {
      const to = pipe.to ?? "stdin"
      const from = pipe.from ?? "stdout"
      if (to !== "stdin" || (from !== "stdout" && from !== "stderr" && from !== "all")) {
        return badArgument(`a pipe from ${from} to ${to} is not supported: pipe stdout, stderr or all into stdin`)
      }
    }
    // Stdout into stdin all along: one pipeline of the process resource. Otherwise each stage's stdin is fed from
    // the previous stage's stream, as platform-node does.
    if (pipes.some((pipe) => (pipe.from ?? "stdout") !== "stdout")) {
      return launchStages(spawner, stages, pipes, stdinDefault)
    }
    for (const stage of stages) {
      if (stage.options.additionalFds !== undefined && Object.keys(stage.options.additionalFds).length > 0) {
        return badArgument("additional file descriptors (additionalFds) are not supported by this spawner")
      }
    }
    for (const stage of stages) {
      const cwd = stage.options.cwd
      // Checked first, as platform-node does: a missing working directory is FileSystem's NotFound.
      if (cwd !== undefined && !isAccessible(cwd)) {
        return Effect.fail(PlatformError.systemError({
          _tag: "NotFound",
          module: "FileSystem",
          method: "access",
          pathOrDescriptor: cwd,
          description: `working directory ${JSON.stringify(cwd.slice(0, 200))} does not exist`
        }))
      }
    }
    const first = stages[0]!
    const last = stages[stages.length - 1]!
    // Output Sinks are applied to the handle's streams here; the process itself gets pipes.
    const stdoutSink = sinkOf(last.options.stdout)
    const stderrSink = sinkOf(last.options.stderr)
    // A stdin Stream is fed here, so that its failure fails `exitCode` (Effect 4's contract: the input's failure
    // takes precedence); the process gets the pipe.
    const input = ChildProcess.isStandardCommand(command) ? stdinStreamOf(command) : undefined
    const plain = ChildProcess.isStandardCommand(command) &&
        (stdoutSink !== undefined || stderrSink !== undefined || input !== undefined)
      ? ChildProcess.make(command.command, command.args, {
        ...command.options,
        ...(stdoutSink === undefined ? {} : { stdout: "pipe" }),
        ...(stderrSink === undefined ? {} : { stderr: "pipe" }),
        ...(input === undefined ? {} : { stdin: "pipe" })
      })
      : command
    return ManagedProcess.make(plain, {
      // The spawner's errors carry the output; logging stderr is the program's choice, as with platform-node.
      relayStderr: false,
      terminate: terminateOptions(last.options),
      ...(hasOwnStdin(first) ? {} : { stdin: stdinDefault })
    }).pipe(
      Effect.mapError(toPlatformError(command, "spawn")),
      Effect.flatMap((proc) => {
        const outputs: Outputs = {
          stdoutSink,
          stderrSink,
          stdoutPiped: isPiped(last.options.stdout),
          stderrPiped: isPiped(last.options.stderr)
        }
        if (input === undefined) return Effect.succeed(toHandle(command, proc, outputs, undefined))
        const inputFailure = Deferred.makeUnsafe<never, PlatformError.PlatformError>()
        const handle = toHandle(command, proc, outputs, inputFailure)
        const feeding = Stream.run(input, handle.stdin).pipe(
          Effect.catch((error) => Deferred.fail(inputFailure, error)),
          // However the input ended, the child sees the end of its stdin.
          Effect.ensuring(Effect.ignore(proc.closeStdin))
        )
        return Effect.as(Effect.forkScoped(feeding), handle)
      }),
      Effect.provideService(ProcessSpawner.ProcessSpawner, spawner)
    )
  })

/**
 * Each stage launched in order, its stdin the chosen stream of the one before; the handle is the last stage's,
 * with the first stage's stdin. The stages' releases run at once (one after the other, three TERM-ignoring stages
 * would take three graces), and a stage that cannot start stops the ones started.
 */
const launchStages = (
  spawner: Spawner,
  stages: ReadonlyArray<ChildProcess.StandardCommand>,
  pipes: ReadonlyArray<ChildProcess.PipeOptions>,
  stdinDefault: StdinDefault
): Effect.Effect<ChildProcessHandle, PlatformError.PlatformError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Scope.fork(yield* Effect.scope, "parallel")
    const launchAll = Effect.gen(function*() {
      const handles = [yield* Scope.provide(launch(spawner, stages[0]!, stdinDefault), scope)]
      for (const [i, stage] of stages.slice(1).entries()) {
        const previous = handles[i]!
        const from = pipes[i]!.from ?? "stdout"
        const source = from === "stderr" ? previous.stderr : from === "all" ? previous.all : previous.stdout
        const fed = ChildProcess.make(stage.command, stage.args, { ...stage.options, stdin: source })
        handles.push(yield* Scope.provide(launch(spawner, fed, "pipe"), scope))
      }
      return handles
    })
    const handles = yield* Effect.onError(launchAll, (cause) => Scope.close(scope, Exit.failCause(cause)))
    const last = handles[handles.length - 1]!
    return makeHandle({
      pid: last.pid,
      exitCode: last.exitCode,
      isRunning: last.isRunning,
      kill: (options) =>
        Effect.forEach(handles, (handle) => Effect.ignore(handle.kill(options)), {
          concurrency: "unbounded",
          discard: true
        }),
      stdin: handles[0]!.stdin,
      stdout: last.stdout,
      stderr: last.stderr,
      all: last.all,
      getInputFd: last.getInputFd,
      getOutputFd: last.getOutputFd,
      unref: Effect.succeed(Effect.void)
    })
  })

/** What the handle's output streams are: Sinks to apply, and whether each output is a pipe at all. */
interface Outputs {
  readonly stdoutSink: Sink.Sink<Uint8Array, Uint8Array, never, PlatformError.PlatformError> | undefined
  readonly stderrSink: Sink.Sink<Uint8Array, Uint8Array, never, PlatformError.PlatformError> | undefined
  readonly stdoutPiped: boolean
  readonly stderrPiped: boolean
}

const toHandle = (
  command: ChildProcess.Command,
  proc: ManagedProcess.ManagedProcess,
  { stderrPiped, stderrSink, stdoutPiped, stdoutSink }: Outputs,
  /** The failure of the command's stdin Stream, once it failed. */
  inputFailure: Deferred.Deferred<never, PlatformError.PlatformError> | undefined
): ChildProcessHandle => {
  // An output that is not a pipe (`"inherit"`, `"ignore"`) is an empty stream, as with platform-node.
  const stdoutBytes = stdoutPiped
    ? Stream.mapError(proc.stdout, toPlatformError(command, "fromReadable(stdout)"))
    : Stream.empty
  const stderrBytes = stderrPiped
    ? Stream.mapError(proc.stderr, toPlatformError(command, "fromReadable(stderr)"))
    : Stream.empty
  const stdout = stdoutSink === undefined ? stdoutBytes : Stream.transduce(stdoutBytes, stdoutSink)
  const stderr = stderrSink === undefined ? stderrBytes : Stream.transduce(stderrBytes, stderrSink)
  const stdin: Sink.Sink<void, Uint8Array, never, PlatformError.PlatformError> = Sink.forEach((chunk: Uint8Array) =>
    proc.write(chunk)
  ).pipe(
    // Effect 4's `endOnDone` default: the end of the input is the end of the child's stdin.
    Sink.mapEffect(() => proc.closeStdin),
    Sink.mapError(toPlatformError(command, "fromWritable(stdin)"))
  )
  const exited = Effect.flatMap(proc.awaitExit, (exit) =>
    exit.exitCode !== undefined
      ? Effect.succeed(ExitCode(exit.exitCode))
      : Effect.fail(PlatformError.systemError({
        _tag: "Unknown",
        module: "ChildProcess",
        method: "exitCode",
        pathOrDescriptor: describe(command),
        description: `killed by ${exit.signal}`,
        // Where platform-node names the signal.
        cause: new Error(`Process interrupted due to receipt of signal: '${exit.signal}'`)
      })))
  const exitCode = inputFailure === undefined ? exited : Effect.flatMap(
    Effect.raceFirst(Effect.result(exited), Deferred.await(inputFailure)),
    (result) => Deferred.isDoneUnsafe(inputFailure) ? Deferred.await(inputFailure) : Effect.fromResult(result)
  )
  const kill = (options?: ChildProcess.KillOptions | undefined) =>
    proc.terminate(terminateOptions(options)).pipe(
      Effect.mapError(toPlatformError(command, "kill")),
      Effect.asVoid
    )
  return makeHandle({
    pid: ProcessId(proc.pid),
    exitCode,
    isRunning: proc.isRunning,
    kill,
    stdin,
    stdout,
    stderr,
    all: Stream.merge(stdout, stderr),
    getInputFd: () => Sink.drain,
    getOutputFd: () => Stream.empty,
    unref: Effect.succeed(Effect.void)
  })
}

/**
 * The service, on the `ProcessSpawner` it is given.
 *
 * @internal
 */
export const make = (spawner: Spawner): ChildProcessSpawner["Service"] => {
  const completed = (command: ChildProcess.Command) => launch(spawner, command, "ignore")
  const streamString = (command: ChildProcess.Command, options?: { readonly includeStderr?: boolean | undefined }) =>
    Stream.unwrap(Effect.map(completed(command), (handle) =>
      Stream.decodeText(
        options?.includeStderr === true ? handle.all : Stream.drainFork(handle.stdout, handle.stderr)
      )))
  const streamLines = (command: ChildProcess.Command, options?: { readonly includeStderr?: boolean | undefined }) =>
    Stream.splitLines(streamString(command, options))
  return ChildProcessSpawner.of({
    spawn: (command) => launch(spawner, command, "pipe"),
    exitCode: (command) => Effect.scoped(Effect.flatMap(completed(command), (handle) => handle.exitCode)),
    streamString,
    streamLines,
    lines: (command, options) => Stream.runCollect(streamLines(command, options)),
    string: (command, options) => Stream.mkString(streamString(command, options))
  })
}

/**
 * The service as a layer, on the given spawner.
 *
 * @internal
 */
export const layerWith = (spawner: Spawner): Layer.Layer<ChildProcessSpawner> =>
  Layer.succeed(ChildProcessSpawner, make(spawner))
