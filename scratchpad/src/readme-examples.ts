/**
 * Every TypeScript example of the README, compiled by `pnpm build` (and so by `pnpm check` in CI) so that the README
 * cannot drift from the API. They are type-checked, not run: the programs they start are made up.
 *
 * Keep each block identical to its README counterpart (the README shows the imports only once).
 */
import { ManagedProcess, OutputPattern } from "@effect-process/core"
import { NodeProcess } from "@effect-process/node"
import * as Command from "@effect/platform/Command"
import { Duration, Effect, Logger, LogLevel, Option, Stream } from "effect"

// --- Usage: launch, wait until ready, read -------------------------------------------------------------------------

export const serve = Effect.gen(function*() {
  const proc = yield* ManagedProcess.make(["node", "server.js"], {
    terminate: { signal: "SIGTERM", timeout: "5 seconds" }
  })
  // a line matching the regex; yields the match with its groups
  const match = yield* proc.waitForOutput(OutputPattern.regex(/listening on (\d+)/), { timeout: "10 seconds" })
  // reading continues right after the match
  const next = yield* proc.readLine({ timeout: "2 seconds" })
  return { port: Number(match[1]), next }
}).pipe(Effect.scoped, Effect.provide(NodeProcess.layer))

// --- Usage: other patterns ------------------------------------------------------------------------------------------

export const patterns = (proc: ManagedProcess.ManagedProcess) =>
  Effect.gen(function*() {
    // every part appears somewhere, in any order, across lines (yields the output seen)
    yield* proc.waitForOutput(["listening", "database connected"])
    yield* proc.waitForOutput(OutputPattern.substring("ready"))
    // a line the parser accepts
    const workers = yield* proc.waitForOutput(OutputPattern.line((line) => {
      const match = /^(\d+) workers started$/.exec(line)
      return match ? Option.some(Number(match[1])) : Option.none()
    }))
    const char = yield* proc.readChar({ timeout: "1 second" })
    return { workers, char }
  })

// --- Usage: run to completion ---------------------------------------------------------------------------------------

export const head = ManagedProcess.run(["git", "rev-parse", "HEAD"]).pipe(
  Effect.map((result) => result.stdout.trim())
)

export const sorted = ManagedProcess.run(["sort"], { input: "b\na\n", timeout: "5 seconds" }).pipe(
  Effect.map((result) => result.stdout) // "a\nb\n"
)

export const fromCommand = ManagedProcess.run(
  Command.make("ls", "-l").pipe(Command.workingDirectory("src"))
)

// --- Usage: errors --------------------------------------------------------------------------------------------------

export const handled = serve.pipe(
  Effect.catchTags({
    ProcessError: (error) => {
      switch (error.reason) {
        case "SpawnFailed": // ENOENT, EACCES, a missing cwd...: nothing was started
          return Effect.logError(`could not start (${error.errno}): ${error.message}`)
        case "ExitedBeforeMatch": // exited before the pattern matched
          return Effect.logError(`exit code ${error.exitCode}, signal ${error.signal}`, error.stderrTail)
        default:
          return Effect.logError(error.message)
      }
    },
    StateError: (error) => Effect.logError(`${error.operation} refused: ${error.reason}`), // e.g. ConcurrentRead
    TimeoutError: (error) => Effect.logError(`${error.reason} timed out after ${error.timeoutMillis} ms`, error.seen)
  })
)

export const exitCode = ManagedProcess.run(["make", "test"]).pipe(
  Effect.map(() => 0),
  Effect.catchTag(
    "ProcessError",
    (error) => error.reason === "NonZeroExit" ? Effect.succeed(error.exitCode ?? 1) : Effect.fail(error)
  )
)

// --- Usage: environment and working directory -----------------------------------------------------------------------

export const worker = ManagedProcess.make(["node", "worker.js"], {
  cwd: "services/worker",
  env: { NODE_ENV: "production", DEBUG: undefined }, // merged over process.env; undefined removes a variable
  unsetEnv: ["npm_*", "COVERAGE*"] // drop inherited variables by name, or by prefix with a trailing *
})

export const clean = ManagedProcess.run(["env"], { extendEnv: false, env: { PATH: "/usr/bin:/bin" } })

// --- Usage: terminate -----------------------------------------------------------------------------------------------

export const stop = (proc: ManagedProcess.ManagedProcess) =>
  proc.terminate({ signal: "SIGINT", timeout: "2 seconds", killTimeout: "1 second" }).pipe(
    Effect.tap((outcome) => {
      switch (outcome._tag) {
        case "AlreadyExited": // nothing of the group was alive
          return Effect.log(`had exited: ${outcome.exit.exitCode ?? outcome.exit.signal}`)
        case "Exited": // the group was gone within the grace
          return Effect.log(`stopped in ${Duration.format(outcome.elapsed)}`)
        case "Killed": // it took SIGKILL; survivors: something outlived killTimeout too
          return Effect.logWarning(`SIGKILLed after ${Duration.format(outcome.elapsed)}`, outcome.survivors)
      }
    })
  )

// --- Usage: stdin ---------------------------------------------------------------------------------------------------

export const echo = Effect.gen(function*() {
  const proc = yield* ManagedProcess.make(["cat"])
  yield* proc.write("hello\n")
  const line = yield* proc.readLine() // "hello"
  yield* proc.closeStdin // cat reads end-of-file and exits
  const exit = yield* proc.awaitExit // { exitCode: 0, signal: undefined }
  return { line, exit }
}).pipe(Effect.scoped)

// --- Usage: streams -------------------------------------------------------------------------------------------------

export const follow = (proc: ManagedProcess.ManagedProcess) =>
  Effect.gen(function*() {
    // stdout has one reader at a time: this stream holds it until it ends
    const errors = yield* proc.lines.pipe(
      Stream.filter((line) => line.includes("ERROR")),
      Stream.take(3),
      Stream.runCollect
    )
    // stderr is separate; stdout is free again for the next reader
    yield* proc.stderrLines.pipe(Stream.runForEach((line) => Effect.logWarning(line)), Effect.fork)
    const bytes = yield* proc.stdout.pipe(Stream.runFold(0, (total, chunk) => total + chunk.length))
    return { errors, bytes }
  })

// --- Usage: stderr relay --------------------------------------------------------------------------------------------

export const quiet = ManagedProcess.make(["node", "server.js"], { relayStderr: false })

export const relayedAtDebug = ManagedProcess.make(["node", "server.js"], { relayStderr: "Debug" }).pipe(
  Effect.scoped,
  Logger.withMinimumLogLevel(LogLevel.Debug)
)
