/** execa 9, used the way its documentation shows. */
import { execa } from "execa"
import type { Driver } from "../types.js"
import { describeError, describeExit, pool } from "./shared.js"

const TRUE = "/bin/true"

const settle = (promise: PromiseLike<unknown>): Promise<string> =>
  Promise.resolve(promise).then(
    (result) => {
      const r = result as { exitCode?: number; stdout?: unknown }
      return describeExit(r.exitCode, undefined, r.stdout)
    },
    describeError
  )

/** READY through the lines the subprocess iterates (the readyLine and readyViaLines scenarios are the same here). */
const readyThroughLines = async (argv: ReadonlyArray<string>): Promise<number> => {
  const start = performance.now()
  const subprocess = execa(argv[0]!, argv.slice(1))
  let elapsed: number | undefined
  try {
    // Leaving the loop waits for the subprocess, so it is killed first.
    for await (const line of subprocess) {
      if (line === "READY") {
        elapsed = performance.now() - start
        subprocess.kill()
        break
      }
    }
  } catch (error) {
    // The iteration may rethrow the kill ("was killed with SIGTERM"): expected once READY was seen.
    if (elapsed === undefined) throw error
  }
  await settle(subprocess)
  if (elapsed === undefined) throw new Error("no READY line")
  return elapsed
}

export const driver: Driver = {
  spawnSequential: async (count) => {
    const latencies: Array<number> = []
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      await execa(TRUE)
      latencies.push(performance.now() - start)
    }
    return latencies
  },
  spawnConcurrent: (count, concurrency) => pool(count, concurrency, () => execa(TRUE)),
  throughput: async (argv) => {
    const subprocess = execa(argv[0]!, argv.slice(1), { buffer: false })
    let bytes = 0
    for await (const chunk of subprocess.iterable({ binary: true })) bytes += chunk.length
    await subprocess
    return bytes
  },
  readyLine: (argv) => readyThroughLines(argv),
  readyViaLines: (argv) => readyThroughLines(argv),
  lines: async (argv) => {
    let count = 0
    // The iteration waits for the subprocess to end and throws if it fails.
    for await (const _line of execa(argv[0]!, argv.slice(1))) count++
    return count
  },
  startTermIgnoring: async (argv, count, graceMs) => {
    const subprocesses = Array.from(
      { length: count },
      () => execa(argv[0]!, argv.slice(1), { forceKillAfterDelay: graceMs })
    )
    // An unobserved rejection would crash the worker while the stop is still pending.
    const results = subprocesses.map(settle)
    return {
      pids: subprocesses.map((subprocess) => subprocess.pid!),
      stop: () => {
        for (const subprocess of subprocesses) subprocess.kill()
        return Promise.all(results)
      }
    }
  },
  startOne: async (argv) => {
    const subprocess = execa(argv[0]!, argv.slice(1))
    const result = settle(subprocess)
    return {
      pids: [subprocess.pid!],
      stop: () => {
        subprocess.kill()
        return result
      }
    }
  },
  collect: async (argv) => {
    const { stdout } = await execa(argv[0]!, argv.slice(1))
    return stdout.length
  },
  startUnread: async (argv) => {
    const subprocess = execa(argv[0]!, argv.slice(1))
    return { pid: subprocess.pid!, done: settle(subprocess) }
  },
  startIdle: async (argv, count) => {
    const subprocesses = Array.from({ length: count }, () => execa(argv[0]!, argv.slice(1)))
    const results = subprocesses.map(settle)
    return {
      pids: subprocesses.map((subprocess) => subprocess.pid!),
      stop: () => {
        for (const subprocess of subprocesses) subprocess.kill()
        return Promise.all(results)
      }
    }
  }
}
