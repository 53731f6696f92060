import { defineConfig } from "vitest/config"

// Global options of the run; the projects are listed in vitest.workspace.ts.
export default defineConfig({
  test: {
    reporters: ["default", "./scripts/summary-reporter.ts"]
  }
})
