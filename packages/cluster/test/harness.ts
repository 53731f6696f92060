/**
 * Runs a real cluster for the tests: runner programs (`runners/runner.mjs`) and a client-only control program
 * (`runners/control.mjs`) as separate Node processes on loopback, sharing one PostgreSQL database. The oracle is
 * independent of the library: what runs is read from /proc, by the marker every process of a test inherits and the
 * `INSTANCE_ID` each instance's process carries.
 */
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const packagesDir = path.resolve(here, "../..")

export const MARKER_VARIABLE = "EFFECT_PROCESS_TEST_MARKER"

/**
 * The runner programs import the built packages: fail with a clear message when they are not built, warn when a
 * package's `src` is newer than its `dist`.
 */
export const requireBuiltPackages = (): void => {
  for (const pkg of ["core", "node", "cluster"]) {
    const file = path.join(packagesDir, pkg, "dist/esm/index.js")
    if (!fs.existsSync(file)) {
      throw new Error(
        `the cluster's runner programs import the built packages, and packages/${pkg}/dist is missing: run \`pnpm build\` first (the root \`check\` script does)`
      )
    }
  }
}

/** A port nobody listens on now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

export const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Polls `condition` every 25 ms until it holds; rejects with `describe()` after `within` ms. */
export const eventually = async <A>(
  condition: () => A | undefined | false,
  within: number,
  describe: () => string
): Promise<A> => {
  const deadline = Date.now() + within
  for (;;) {
    const value = condition()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`not within ${within} ms: ${describe()}`)
    await sleep(25)
  }
}

// --- the operating system's view ---

/** A live process of this test: its pid, parent, and the instance it runs (if it is one). */
export interface Marked {
  readonly pid: number
  readonly ppid: number
  readonly instanceId: string | undefined
}

const readEnviron = (pid: string): Array<string> | undefined => {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")
  } catch {
    return undefined
  }
}

const readPpidAndState = (pid: string): { ppid: number; state: string } | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { state: fields[0]!, ppid: Number(fields[1]) }
  } catch {
    return undefined
  }
}

/** Every live (not zombie) process whose environment carries `marker`. */
export const markedProcesses = (marker: string): Array<Marked> => {
  const needle = `${MARKER_VARIABLE}=${marker}`
  const out: Array<Marked> = []
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue
    const environ = readEnviron(pid)
    if (environ === undefined || !environ.includes(needle)) continue
    const stat = readPpidAndState(pid)
    if (stat === undefined || stat.state === "Z" || stat.state === "X") continue
    const instance = environ.find((entry) => entry.startsWith("INSTANCE_ID="))
    out.push({ pid: Number(pid), ppid: stat.ppid, instanceId: instance?.slice("INSTANCE_ID=".length) })
  }
  return out
}

/** The live processes of each instance. */
export const instanceProcesses = (marker: string): Map<string, Array<Marked>> => {
  const byId = new Map<string, Array<Marked>>()
  for (const process of markedProcesses(marker)) {
    if (process.instanceId === undefined) continue
    const list = byId.get(process.instanceId) ?? []
    list.push(process)
    byId.set(process.instanceId, list)
  }
  return byId
}

/**
 * Samples the machine every `intervalMillis` while it runs: records every moment an instance had more than one live
 * process (the at-most-once guarantee, checked from outside).
 */
export const startSampler = (marker: string, intervalMillis = 20) => {
  const doubles: Array<{ at: number; instanceId: string; pids: Array<number> }> = []
  let samples = 0
  const timer = setInterval(() => {
    samples++
    for (const [instanceId, processes] of instanceProcesses(marker)) {
      if (processes.length > 1) doubles.push({ at: Date.now(), instanceId, pids: processes.map((p) => p.pid) })
    }
  }, intervalMillis)
  return {
    doubles,
    get samples() {
      return samples
    },
    stop: () => clearInterval(timer)
  }
}

// --- the programs ---

export interface Program {
  readonly name: string
  readonly child: ChildProcess.ChildProcess
  readonly pid: number
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  readonly output: () => string
}

const start = (
  name: string,
  file: string,
  argument: unknown,
  env: Record<string, string>,
  readyWithin = 60_000
): Promise<Program> =>
  new Promise((resolve, reject) => {
    const child = ChildProcess.spawn(process.execPath, [path.join(here, "runners", file), JSON.stringify(argument)], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true
    })
    let output = ""
    let ready = false
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
      child.once("exit", (code, signal) => resolveExit({ code, signal }))
    )
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${name} not ready after ${readyWithin} ms:\n${output.slice(-4000)}`))
    }, readyWithin)
    child.stdout!.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8")
      if (!ready && /^ready/m.test(output + text)) {
        ready = true
        clearTimeout(timer)
        resolve({ name, child, pid: child.pid!, exited, output: () => output })
      }
      output += text
    })
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
    })
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("exit", (code, signal) => {
      if (!ready) {
        clearTimeout(timer)
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`))
      }
    })
  })

export interface Runner extends Program {
  readonly port: number
  readonly address: string
}

/** Starts a runner listening on `port`. */
export const startRunner = async (options: {
  readonly port: number
  readonly url: string
  readonly marker: string
  readonly byeDir: string
}): Promise<Runner> => {
  const program = await start(
    `runner ${options.port}`,
    "runner.mjs",
    { port: options.port, url: options.url },
    { [MARKER_VARIABLE]: options.marker, EFFECT_PROCESS_BYE_DIR: options.byeDir }
  )
  return { ...program, port: options.port, address: `127.0.0.1:${options.port}` }
}

/** Waits (bounded) for a program to exit. */
export const awaitExit = (program: Program, within: number) =>
  Promise.race([
    program.exited,
    sleep(within).then(() => {
      throw new Error(`${program.name} still running after ${within} ms:\n${program.output().slice(-4000)}`)
    })
  ])

export interface Answer {
  readonly ok: boolean
  readonly value?: any
  readonly error?: { readonly tag: string; readonly reason?: string; readonly message: string }
}

/** The client-only control program: one request, one answer. */
export interface Control extends Program {
  readonly request: (request: Record<string, unknown>, within?: number) => Promise<Answer>
}

export const startControl = async (options: { readonly url: string; readonly marker: string }): Promise<Control> => {
  const program = await start("control", "control.mjs", { url: options.url }, { [MARKER_VARIABLE]: options.marker })
  const pending = new Map<number, (answer: Answer) => void>()
  let buffered = ""
  program.child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    let newline: number
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (!line.startsWith("{")) continue
      const answer = JSON.parse(line) as Answer & { id: number }
      pending.get(answer.id)?.(answer)
      pending.delete(answer.id)
    }
  })
  let nextId = 1
  const request = (body: Record<string, unknown>, within = 60_000) =>
    new Promise<Answer>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`no answer to ${JSON.stringify(body)} within ${within} ms:\n${program.output().slice(-2000)}`))
      }, within)
      pending.set(id, (answer) => {
        clearTimeout(timer)
        resolve(answer)
      })
      program.child.stdin!.write(JSON.stringify({ id, ...body }) + "\n")
    })
  return { ...program, request }
}

/** SIGKILLs whatever of the test is still alive (the last resort of a failed test's cleanup). */
export const killMarked = (marker: string): number => {
  let killed = 0
  for (const { pid } of markedProcesses(marker)) {
    try {
      process.kill(pid, "SIGKILL")
      killed++
    } catch {
      // gone already
    }
  }
  return killed
}

/** The runners of `runners` that have not exited. */
export const live = (runners: ReadonlyArray<Runner>): Array<Runner> =>
  runners.filter((runner) => runner.child.exitCode === null && runner.child.signalCode === null)

/** Where each instance runs, by the operating system: instance id -> its pid and the runner whose child it is. */
export const placementOf = (
  marker: string,
  runners: ReadonlyArray<Runner>
): Map<string, { pid: number; runner: Runner | undefined }> => {
  const out = new Map<string, { pid: number; runner: Runner | undefined }>()
  for (const [instanceId, processes] of instanceProcesses(marker)) {
    const process = processes[0]!
    out.set(instanceId, { pid: process.pid, runner: runners.find((runner) => runner.pid === process.ppid) })
  }
  return out
}

/** All of `ids` run, each exactly once, each as a child of a live runner. */
export const runningOnce = (marker: string, runners: ReadonlyArray<Runner>, ids: ReadonlyArray<string>): boolean => {
  const byId = instanceProcesses(marker)
  const alive = live(runners)
  return ids.every((id) => {
    const processes = byId.get(id)
    return processes?.length === 1 && alive.some((runner) => runner.pid === processes[0]!.ppid)
  })
}

/** Waits until the status of every one of `ids` says Running (readiness seen) on a live runner. */
export const awaitReady = async (
  control: Control,
  runners: ReadonlyArray<Runner>,
  ids: ReadonlyArray<string>,
  deadline: number
): Promise<void> => {
  for (;;) {
    const answers = await Promise.all(ids.map((entityId) => control.request({ op: "status", entityId })))
    const statuses = answers.map((answer) => answer.value)
    const addresses = live(runners).map((runner) => runner.address)
    if (statuses.every((status) => status?.state === "Running" && addresses.includes(status.runner))) return
    if (Date.now() > deadline) {
      throw new Error(`not all running: ${JSON.stringify(statuses.filter((status) => status?.state !== "Running"))}`)
    }
    await sleep(50)
  }
}

/**
 * SIGKILLs the live runner that runs the most instances and waits until its processes are gone (the reaper's
 * work): what it ran, when it was killed, and how long its processes took to go.
 */
export const killBusiestRunner = async (marker: string, runners: ReadonlyArray<Runner>, within: number) => {
  const where = placementOf(marker, runners)
  const alive = live(runners)
  const counts = alive.map((runner) => [...where.values()].filter((p) => p.runner === runner).length)
  const victim = alive[counts.indexOf(Math.max(...counts))]!
  const owned = [...where].filter(([, p]) => p.runner === victim).map(([id, p]) => ({ id, pid: p.pid }))
  const killedAt = Date.now()
  process.kill(victim.pid, "SIGKILL")
  await awaitExit(victim, within)
  await eventually(
    () => owned.every(({ pid }) => !markedProcesses(marker).some((p) => p.pid === pid)),
    within,
    () => "a process of the killed runner is still alive"
  )
  return { victim, owned, killedAt, reapedMs: Date.now() - killedAt }
}
