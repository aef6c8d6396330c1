/**
 * Benchmark runner: `npm run bench [-- name…]`.
 *
 * Every `*.bench.js` file beside this one exports `run(): Promise<void>` and prints its own
 * figures, each as a ratio against a baseline measured in the same run (never an absolute
 * threshold: shared machines are noisy). Names on the command line select suites by prefix.
 */
import { readdirSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"

const dir = fileURLToPath(new URL(".", import.meta.url))
const wanted = process.argv.slice(2)
const suites = readdirSync(dir)
  .filter((file) => file.endsWith(".bench.js"))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)))
  .sort()

if (suites.length === 0) {
  console.error(`no benchmark suite matches ${wanted.join(", ") || "(any)"} in ${dir}`)
  process.exit(1)
}
for (const file of suites) {
  console.log(`\n== ${file.replace(/\.bench\.js$/, "")} ==`)
  const suite = (await import(pathToFileURL(`${dir}/${file}`).href)) as { run: () => Promise<void> }
  await suite.run()
}
