import { defineConfig } from "vitest/config"

// `pnpm bench:cluster`: the cluster benchmark, apart from the tests (it is a measurement, not a check).
export default defineConfig({
  test: {
    root: __dirname,
    include: ["bench/**/*.bench.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000
  }
})
