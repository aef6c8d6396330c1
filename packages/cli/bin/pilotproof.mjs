#!/usr/bin/env node
// The workspace's `pilotproof` command (`npx pilotproof …`). npm links a bin only when its file
// exists at install time, and the bundle in dist/ is built after `npm ci`; this committed file is
// what npm links, and it runs the bundle.
const bundle = new URL("../dist/pilotproof.mjs", import.meta.url)
try {
  await import(bundle.href)
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/pilotproof.mjs")) {
    console.error("error: pilotproof is not built yet: run npm run build (npm start and npm test build it first)")
    process.exit(1)
  }
  throw error
}
