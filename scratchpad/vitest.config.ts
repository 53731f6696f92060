import * as path from "node:path"
import { defineProject } from "vitest/config"

// The README's examples, run against the programs in fixtures/readme (scratchpad/test/readme.test.ts).
export default defineProject({
  resolve: {
    alias: [
      { find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "../packages/engine/src/$1.ts") },
      { find: /^@effect-process\/core$/, replacement: path.join(__dirname, "../packages/core/src/index.ts") },
      { find: /^@effect-process\/core\/(.*)$/, replacement: path.join(__dirname, "../packages/core/src/$1.ts") },
      { find: /^@effect-process\/node$/, replacement: path.join(__dirname, "../packages/node/src/index.ts") },
      { find: /^@effect-process\/cluster$/, replacement: path.join(__dirname, "../packages/cluster/src/index.ts") }
    ]
  },
  test: {
    name: "readme",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
