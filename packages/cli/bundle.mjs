// Bundles the compiled CLI into one ES module, so `pilotproof` starts in a fraction of the
// time Node needs to resolve several hundred separate Effect modules. Native and optional
// drivers stay external. Run by `npm run build` after `tsc -b`.
import { build } from "esbuild"

await build({
  entryPoints: ["dist/bin.js"],
  outfile: "dist/pilotproof.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3", "pg", "pg-native"],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning"
})
