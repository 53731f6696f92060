/**
 * `PR_SET_PDEATHSIG` for the direct child, through util-linux's `setpriv --pdeathsig`: the kernel sends SIGTERM to
 * the child the moment its parent dies, even when the watchdog was killed too. It reaches the direct child only, not
 * its process group, and costs one more `exec` per launch.
 *
 * @since 0.2.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { resolveEnvironment, type SpawnRequest } from "../Spawn.js"

const isExecutableFile = (file: string): boolean => {
  try {
    Fs.accessSync(file, Fs.constants.X_OK)
    return Fs.statSync(file).isFile()
  } catch {
    return false
  }
}

const findExecutable = (program: string, pathVariable: string | undefined, cwd: string | undefined) => {
  if (program.includes("/")) {
    const file = Path.resolve(cwd ?? process.cwd(), program)
    return isExecutableFile(file) ? file : undefined
  }
  for (const dir of (pathVariable ?? "").split(Path.delimiter)) {
    if (dir === "") continue
    const file = Path.join(dir, program)
    if (isExecutableFile(file)) return file
  }
  return undefined
}

let setprivPath: string | null | undefined

const setpriv = (): string | undefined => {
  if (setprivPath === undefined) {
    setprivPath = process.platform === "linux" ? findExecutable("setpriv", process.env.PATH, undefined) ?? null : null
  }
  return setprivPath ?? undefined
}

/**
 * `request` prefixed with `setpriv --pdeathsig SIGTERM --`, when setpriv exists and the program can be found; as is
 * otherwise: a program that cannot be started is spawned unchanged, so that its failure stays a spawn failure with
 * its errno rather than setpriv's exit code 127.
 *
 * @example
 * import { withPdeathsig } from "@effect-process/engine/node/Pdeathsig"
 *
 * withPdeathsig({
 *   command: ["sleep", "10"], cwd: undefined, env: { extend: true, unset: [], set: {} },
 *   stdin: "pipe", stdout: "pipe", stderr: "pipe"
 * }).command // ["/usr/bin/setpriv", "--pdeathsig", "SIGTERM", "--", "sleep", "10"] where setpriv is installed
 *
 * @since 0.2.0
 */
export const withPdeathsig = (request: SpawnRequest): SpawnRequest => {
  const tool = setpriv()
  if (tool === undefined) return request
  const env = resolveEnvironment(process.env, request.env)
  if (findExecutable(request.command[0]!, env.PATH, request.cwd) === undefined) return request
  return { ...request, command: [tool, "--pdeathsig", "SIGTERM", "--", ...request.command] }
}
