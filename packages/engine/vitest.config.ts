import * as path from "node:path"
import { defineProject } from "vitest/config"

export default defineProject({
  resolve: {
    alias: [{ find: /^@effect-process\/engine\/(.*)$/, replacement: path.join(__dirname, "src/$1.ts") }]
  },
  test: {
    name: "engine",
    include: ["test/**/*.test.ts"]
  }
})
