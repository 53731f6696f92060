// `pnpm test:effect4`: the Effect 4 line's tests, under Node 22 (Effect 4's floor is 22.19), which this command
// obtains from the npm registry itself (`npx -p node@22`: the node binary in a registry package), so that nothing
// is installed by hand; the Effect 3 line's tests run under the machine's Node (`pnpm test`).
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
const CONFIG = "vitest.effect4.config.ts"
const packages = fs.readdirSync(path.join(root, "packages"))
  .map((name) => path.join(root, "packages", name))
  .filter((dir) => fs.existsSync(path.join(dir, CONFIG)))
if (packages.length === 0) throw new Error(`no package has a ${CONFIG}`)

const npx = (args, cwd) => {
  const result = ChildProcess.spawnSync("npx", ["--yes", "-p", "node@22", "--", ...args], { cwd, stdio: "inherit" })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const version = ChildProcess.spawnSync("npx", ["--yes", "-p", "node@22", "--", "node", "--version"], {
  encoding: "utf8"
}).stdout.trim()
const [major, minor] = version.slice(1).split(".").map(Number)
if (!(major > 22 || (major === 22 && minor >= 19))) {
  throw new Error(`node@22 from the registry is ${version}: need >= 22.19`)
}
console.log(`test:effect4: Node ${version} from the npm registry`)
for (const dir of packages) {
  const vitest = path.join(dir, "node_modules", "vitest", "vitest.mjs")
  console.log(`test:effect4: ${path.relative(root, dir)}`)
  npx(["node", vitest, "run", "-c", CONFIG], dir)
}
