import * as fs from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

/**
 * Ends the test run with the plain line `N passed, N failed` (and `, N skipped`), which CI reads to tell a run that
 * tested nothing from one that did. Printed when vitest exits, so it is the last line of the output.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") counts.passed++
        else if (state === "failed") counts.failed++
        else counts.skipped++
      }
    }
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : ""
    process.once("exit", () => fs.writeSync(1, `\n${counts.passed} passed, ${counts.failed} failed${skipped}\n`))
  }
}
