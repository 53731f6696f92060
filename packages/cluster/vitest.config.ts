import * as path from "node:path"
import { defineProject } from "vitest/config"

export default defineProject({
  resolve: {
    alias: [
      { find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "../engine/src/$1.ts") },
      { find: /^@effect-process\/core$/, replacement: path.join(__dirname, "../core/src/index.ts") },
      { find: /^@effect-process\/core\/(.*)$/, replacement: path.join(__dirname, "../core/src/$1.ts") },
      { find: /^@effect-process\/node$/, replacement: path.join(__dirname, "../node/src/index.ts") },
      { find: /^@effect-process\/cluster$/, replacement: path.join(__dirname, "src/index.ts") }
    ]
  },
  test: {
    name: "cluster",
    include: ["test/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000
  }
})
