// Bundles the compiled CLI into one ES module, so `pilotproof` starts in a fraction of the
// time Node needs to resolve several hundred separate Effect modules. Native and optional
// drivers stay external. Run by `npm run build` after `tsc -b`. The snapshot worker thread's entry
// point is bundled beside it.
import { build } from "esbuild"

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3", "pg", "pg-native"],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning"
}

await build({ ...common, entryPoints: ["dist/bin.js"], outfile: "dist/pilotproof.mjs" })
// The server starts its snapshot worker threads from `./SnapshotWorker.js` beside the module that
// holds its code: in the bundle, beside pilotproof.mjs.
await build({ ...common, entryPoints: ["../server/dist/SnapshotWorker.js"], outfile: "dist/SnapshotWorker.js" })
