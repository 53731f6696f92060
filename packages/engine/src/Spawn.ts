/**
 * The contract between the lifecycle of a process (an effect system's part) and the platform that starts it, as
 * plain data and callbacks: what to start, how its environment is built, how it ended, and the listeners of its
 * output. Shared by every line of effect-process, so that a platform implementation serves all of them.
 *
 * @since 0.2.0
 */
/**
 * How a standard stream of the child is connected.
 *
 * @since 0.2.0
 */
export type StdioMode = "pipe" | "inherit" | "ignore"

/**
 * A POSIX signal name.
 *
 * @since 0.2.0
 */
export type Signal =
  | "SIGTERM"
  | "SIGKILL"
  | "SIGINT"
  | "SIGHUP"
  | "SIGQUIT"
  | "SIGUSR1"
  | "SIGUSR2"
  | "SIGSTOP"
  | "SIGCONT"
  | "SIGABRT"
  | "SIGALRM"
  | "SIGPIPE"
  | "SIGWINCH"
  | "SIGBUS"
  | "SIGCHLD"
  | "SIGFPE"
  | "SIGILL"
  | "SIGIO"
  | "SIGIOT"
  | "SIGPOLL"
  | "SIGPROF"
  | "SIGPWR"
  | "SIGSEGV"
  | "SIGSTKFLT"
  | "SIGSYS"
  | "SIGTRAP"
  | "SIGTSTP"
  | "SIGTTIN"
  | "SIGTTOU"
  | "SIGURG"
  | "SIGVTALRM"
  | "SIGXCPU"
  | "SIGXFSZ"

/**
 * How the child's environment is built from the parent's.
 *
 * @since 0.2.0
 */
export interface EnvironmentSpec {
  /** Start from the parent's environment (`true`) or from an empty one. */
  readonly extend: boolean
  /** Inherited variables to drop: exact names, or prefixes written with a trailing `*` (`"COVERAGE*"`). */
  readonly unset: ReadonlyArray<string>
  /** Variables to set; `undefined` removes the variable. Applied last. */
  readonly set: Readonly<Record<string, string | undefined>>
}

/**
 * Builds the child's environment from the parent's: optionally start from `base`, drop `unset` names and prefixes,
 * then apply `set`.
 *
 * @example
 * import { Spawn } from "@effect-process/engine"
 *
 * Spawn.resolveEnvironment({ PATH: "/bin", COVERAGE_FILE: "x" }, { extend: true, unset: ["COVERAGE*"], set: { A: "1" } })
 * // { PATH: "/bin", A: "1" }
 *
 * @since 0.2.0
 */
export const resolveEnvironment = (
  base: Readonly<Record<string, string | undefined>>,
  spec: EnvironmentSpec
): Record<string, string> => {
  const out: Record<string, string> = {}
  if (spec.extend) {
    const names = spec.unset.filter((entry) => !entry.endsWith("*"))
    const prefixes = spec.unset.filter((entry) => entry.endsWith("*")).map((entry) => entry.slice(0, -1))
    for (const key of Object.keys(base)) {
      const value = base[key]
      if (value === undefined || names.includes(key) || prefixes.some((prefix) => key.startsWith(prefix))) continue
      out[key] = value
    }
  }
  for (const key of Object.keys(spec.set)) {
    const value = spec.set[key]
    if (value === undefined) delete out[key]
    else out[key] = value
  }
  return out
}

/**
 * What to start.
 *
 * @since 0.2.0
 */
export interface SpawnRequest {
  /** The full argv, program first; already validated (non-empty, no NUL bytes). */
  readonly command: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: EnvironmentSpec
  readonly stdin: StdioMode
  readonly stdout: StdioMode
  readonly stderr: StdioMode
}

/**
 * How a process ended: an exit code, or the signal that killed it.
 *
 * @since 0.2.0
 */
export interface ExitStatus {
  readonly exitCode: number | undefined
  readonly signal: string | undefined
}

/**
 * The listeners of one spawn. They are attached before the process can produce anything, so nothing is missed.
 * `onStdout` / `onStderr` receive every chunk of a piped stream in order, then `onStdoutEnd` / `onStderrEnd` once.
 * `onExit` is called once, when the process (the group leader) has exited; its pipes may still be open.
 *
 * @since 0.2.0
 */
export interface SpawnListeners {
  readonly onStdout: (chunk: Uint8Array) => void
  readonly onStdoutEnd: () => void
  readonly onStderr: (chunk: Uint8Array) => void
  readonly onStderrEnd: () => void
  readonly onExit: (status: ExitStatus) => void
}

/**
 * A system error from a spawned process's pipes or signals, with its errno `code` (e.g. `"EPIPE"`).
 *
 * @since 0.2.0
 */
export interface SpawnError {
  readonly code: string | undefined
  readonly message: string
  readonly cause: unknown
}
