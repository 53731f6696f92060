/** Runs `task` `count` times with at most `concurrency` in flight. */
export const pool = async (count: number, concurrency: number, task: () => PromiseLike<unknown>): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < count) {
      next++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane))
}

export const describeError = (error: unknown): string => {
  const e = error as { shortMessage?: string; message?: string; isMaxBuffer?: boolean; signal?: string }
  if (e?.isMaxBuffer === true) return `failed: maxBuffer exceeded, child killed (${e.signal ?? "?"})`
  return `failed: ${(e?.shortMessage ?? e?.message ?? String(error)).split("\n")[0]}`
}

/** "exited 0", with how much stdout the driver kept in memory when it kept some. */
export const describeExit = (code: number | undefined, signal: string | null | undefined, stdout?: unknown): string => {
  const how = signal !== null && signal !== undefined ? `killed by ${signal}` : `exited ${code ?? "?"}`
  const kept = typeof stdout === "string" && stdout.length > 0
    ? `, kept ${(stdout.length / 1024 / 1024).toFixed(0)} MiB of stdout`
    : ""
  return how + kept
}
