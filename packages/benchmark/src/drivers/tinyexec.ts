/**
 * tinyexec, used the way its documentation shows. It has no byte stream of its own (its iterator splits lines) and
 * no grace/escalation: streaming bytes goes through `proc.process`, and the grace is written by hand.
 */
import { once } from "node:events"
import { x } from "tinyexec"
import type { Driver } from "../types.js"
import { describeError, describeExit, pool } from "./shared.js"

const TRUE = "/bin/true"

type Proc = ReturnType<typeof x>

const settle = (proc: Proc): Promise<string> =>
  Promise.resolve(proc).then((output) => describeExit(proc.exitCode, proc.signalCode, output.stdout), describeError)

const exited = (proc: Proc): Promise<unknown> => {
  const child = proc.process!
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, "exit")
}

/** READY through the lines the process iterates (the readyLine and readyViaLines scenarios are the same here). */
const readyThroughLines = async (argv: ReadonlyArray<string>): Promise<number> => {
  const start = performance.now()
  const proc = x(argv[0]!, argv.slice(1))
  let elapsed: number | undefined
  for await (const line of proc) {
    if (line === "READY") {
      elapsed = performance.now() - start
      break
    }
  }
  proc.kill()
  await exited(proc)
  if (elapsed === undefined) throw new Error("no READY line")
  return elapsed
}

export const driver: Driver = {
  spawnSequential: async (count) => {
    const latencies: Array<number> = []
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      await x(TRUE)
      latencies.push(performance.now() - start)
    }
    return latencies
  },
  spawnConcurrent: (count, concurrency) => pool(count, concurrency, () => x(TRUE)),
  throughput: async (argv) => {
    const proc = x(argv[0]!, argv.slice(1))
    const child = proc.process!
    let bytes = 0
    child.stdout!.on("data", (chunk: Buffer) => {
      bytes += chunk.length
    })
    await once(child, "close")
    return bytes
  },
  readyLine: (argv) => readyThroughLines(argv),
  readyViaLines: (argv) => readyThroughLines(argv),
  lines: async (argv) => {
    let count = 0
    // The iteration ends once the process closed.
    for await (const _line of x(argv[0]!, argv.slice(1))) count++
    return count
  },
  startTermIgnoring: async (argv, count, graceMs) => {
    const procs = Array.from({ length: count }, () => x(argv[0]!, argv.slice(1)))
    const results = procs.map(settle)
    return {
      pids: procs.map((proc) => proc.pid!),
      stop: () =>
        Promise.all(procs.map((proc, i) => {
          proc.kill("SIGTERM")
          const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs)
          return results[i]!.finally(() => clearTimeout(timer))
        }))
    }
  },
  startOne: async (argv) => {
    const proc = x(argv[0]!, argv.slice(1))
    const result = settle(proc)
    return {
      pids: [proc.pid!],
      stop: () => {
        proc.kill()
        return result
      }
    }
  },
  collect: async (argv) => {
    const { stdout } = await x(argv[0]!, argv.slice(1))
    return stdout.length
  },
  startUnread: async (argv) => {
    const proc = x(argv[0]!, argv.slice(1))
    return { pid: proc.pid!, done: settle(proc) }
  },
  startIdle: async (argv, count) => {
    const procs = Array.from({ length: count }, () => x(argv[0]!, argv.slice(1)))
    const results = procs.map(settle)
    return {
      pids: procs.map((proc) => proc.pid!),
      stop: () => {
        for (const proc of procs) proc.kill()
        return Promise.all(results)
      }
    }
  }
}
