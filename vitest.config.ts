import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// Tests run against each package's TypeScript source, so a test never reads a stale build.
// (The CLI end-to-end tests run the built binary; `npm test` builds first.)
const packagesDir = fileURLToPath(new URL("./packages", import.meta.url))
const alias = Object.fromEntries(
  readdirSync(packagesDir).map((name) => [`@pilotproof/${name}`, `${packagesDir}/${name}/src/index.ts`])
)

export default defineConfig({
  resolve: { alias },
  test: {
    // The full validity suite (thousands of simulated pilots) runs with `npm run validity`;
    // `npm test` runs its smaller version, test/validity.test.ts.
    include: process.env["PILOTPROOF_VALIDITY"] === "full"
      ? ["test/validity/**/*.test.ts"]
      : ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", ...(process.env["PILOTPROOF_VALIDITY"] === "full" ? [] : ["test/validity/**"])],
    // the ClickHouse test cluster (test/clickhouse/cluster), started when it is not answering
    globalSetup: ["./test/fixtures/ClickHouseCluster.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["./test/fixtures/SummaryReporter.ts"]
  }
})
