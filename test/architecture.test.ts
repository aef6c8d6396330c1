/**
 * The dependency table of ../shared/ARCHITECTURE.md, enforced: every import in packages/<name>/src
 * (static, dynamic and re-exports, read with the TypeScript parser) must be one the table allows
 * that package, and every package it names must be declared in its package.json. A value import
 * where only types are allowed (the pure analysis core reads the domain's types, and the store
 * the statistics' shapes) fails too, so no Effect runtime creeps into a pure package.
 *
 * Where the code departs from the table on purpose, the entry says so (`why`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const PACKAGES = join(ROOT, "packages")

interface Allowed {
  /** Other @pilotproof packages whose values (and types) it may import. */
  readonly internal: ReadonlyArray<string>
  /** @pilotproof packages it may import types from only (`import type`). */
  readonly typesOnly?: ReadonlyArray<string>
  /** Third-party packages (a trailing `/*` allows a scope). */
  readonly external: ReadonlyArray<string>
  /** Pure packages: no node: built-ins (no I/O, no clock). */
  readonly pure?: boolean
  /** Why an entry departs from ARCHITECTURE.md's table, where it does. */
  readonly why?: string
}

/** ARCHITECTURE.md's table, package by package. */
export const DEPENDENCY_TABLE: Readonly<Record<string, Allowed>> = {
  domain: { internal: [], external: ["effect"] },
  stats: { internal: [], external: ["simple-statistics", "@stdlib/*"], pure: true },
  economics: { internal: ["stats"], external: [], pure: true },
  assignment: { internal: ["domain"], external: [], pure: true },
  analysis: { internal: ["stats"], typesOnly: ["domain"], external: [], pure: true },
  decision: { internal: ["domain", "economics"], external: [], pure: true },
  store: {
    internal: ["domain"],
    typesOnly: ["stats"],
    external: ["effect", "kysely", "better-sqlite3", "pg", "@clickhouse/client"],
    why: "store → stats is type-only: the sufficient-statistics shapes its SQL returns are spelled once, in stats"
  },
  simulator: { internal: ["domain", "assignment", "stats"], external: ["effect"] },
  connectors: {
    internal: ["domain"],
    external: ["fast-xml-parser"],
    why: "not pure: node:crypto for signatures and keys; the Bitrix24 REST fetch stays a port in the engine"
  },
  engine: {
    internal: ["domain", "stats", "economics", "assignment", "analysis", "decision", "store", "simulator", "connectors"],
    external: ["effect", "csv-parse", "yaml"],
    why: "engine → simulator: the Simulation service imports a scenario's synthetic events (demo, `simulate`)"
  },
  api: { internal: ["domain"], external: ["effect", "@effect/platform"] },
  server: {
    internal: ["domain", "api", "engine"],
    external: ["effect", "@effect/platform", "@effect/platform-node", "preact", "preact-render-to-string", "vega", "vega-lite"]
  },
  cli: {
    internal: ["domain", "engine", "server"],
    external: ["effect", "@effect/cli", "@effect/platform", "@effect/platform-node"],
    why: "cli → server: `serve`, `demo` and `report` start the server's app (an entry point composing layers)"
  }
}

interface Import {
  readonly file: string
  readonly line: number
  readonly specifier: string
  readonly typeOnly: boolean
}

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
  })

/** Every module a file imports or re-exports, with whether only types cross. */
export const importsOf = (file: string, text = readFileSync(file, "utf8")): Array<Import> => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const out: Array<Import> = []
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (specifier === undefined || !ts.isStringLiteral(specifier)) return
    out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, specifier: specifier.text, typeOnly })
  }
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const named = clause?.namedBindings
      const allTypes = clause !== undefined && (clause.isTypeOnly ||
        (clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 &&
          named.elements.every((e) => e.isTypeOnly)))
      add(node, node.moduleSpecifier, allTypes)
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause
      const allTypes = node.isTypeOnly || (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly))
      add(node, node.moduleSpecifier, allTypes)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

/** The package a specifier names (`@scope/name` or `name`), or undefined for a relative path. */
const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith(".")) return undefined
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!
}

const isBuiltin = (name: string) => name.startsWith("node:") || builtinModules.includes(name)

const matches = (name: string, patterns: ReadonlyArray<string>) =>
  patterns.some((p) => (p.endsWith("/*") ? name.startsWith(p.slice(0, -1)) : name === p))

const allowedText = (pkg: string, a: Allowed) =>
  [
    `${pkg} may import: ${[...a.internal.map((i) => `@pilotproof/${i}`), ...a.external].join(", ") || "nothing"}`,
    ...(a.typesOnly === undefined ? [] : [`types only from: ${a.typesOnly.map((i) => `@pilotproof/${i}`).join(", ")}`]),
    ...(a.pure ? ["no node: built-ins (a pure package)"] : [])
  ].join("; ")

/** Every import of `pkg` that the table does not allow, as a message naming the file and line. */
export const violations = (pkg: string, imports: ReadonlyArray<Import>, declared: ReadonlySet<string>): Array<string> => {
  const allowed = DEPENDENCY_TABLE[pkg]
  if (allowed === undefined) return [`packages/${pkg} is not in ARCHITECTURE.md's dependency table (test/architecture.test.ts)`]
  const problems: Array<string> = []
  for (const i of imports) {
    const name = packageOf(i.specifier)
    if (name === undefined) continue
    const where = `${relative(ROOT, i.file)}:${i.line}`
    const refuse = (what: string) => problems.push(`${where}: @pilotproof/${pkg} imports ${i.specifier}, ${what} (${allowedText(pkg, allowed)})`)
    if (isBuiltin(name)) {
      if (allowed.pure) refuse("a node: built-in in a pure package")
      continue
    }
    if (name.startsWith("@pilotproof/")) {
      const other = name.slice("@pilotproof/".length)
      if (other === pkg) refuse("itself by name (import it relatively)")
      else if (allowed.internal.includes(other)) { /* allowed */ }
      else if (allowed.typesOnly?.includes(other)) {
        if (!i.typeOnly) refuse("a value import where ARCHITECTURE.md's table allows types only (use `import type`)")
      } else refuse("which ARCHITECTURE.md's dependency table does not allow")
    } else if (!matches(name, allowed.external)) {
      refuse("which ARCHITECTURE.md's dependency table does not allow")
    }
    if (!declared.has(name) && !isBuiltin(name)) problems.push(`${where}: ${name} is imported but not declared in packages/${pkg}/package.json`)
  }
  return [...new Set(problems)]
}

const packages = readdirSync(PACKAGES).filter((name) => statSync(join(PACKAGES, name, "package.json"), { throwIfNoEntry: false })?.isFile())

describe("the dependency table of ARCHITECTURE.md", () => {
  for (const pkg of packages) {
    it(`@pilotproof/${pkg} imports only what the table allows, each declared in its package.json`, () => {
      const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, "package.json"), "utf8")) as { dependencies?: Record<string, string> }
      const declared = new Set(Object.keys(manifest.dependencies ?? {}))
      const imports = sourceFiles(join(PACKAGES, pkg, "src")).flatMap((f) => importsOf(f))
      expect(violations(pkg, imports, declared)).toEqual([])
      // a declared @pilotproof dependency the table refuses is a violation waiting to happen
      const allowed = DEPENDENCY_TABLE[pkg]!
      const internal = [...declared].filter((d) => d.startsWith("@pilotproof/")).map((d) => d.slice("@pilotproof/".length))
      expect(internal.filter((d) => !allowed.internal.includes(d) && !(allowed.typesOnly ?? []).includes(d)), `packages/${pkg}/package.json`).toEqual([])
    })
  }

  it("refuses a wrong import with the file, the line and what is allowed", () => {
    const file = join(PACKAGES, "stats", "src", "Example.ts")
    const text = [
      `import type { Metric } from "@pilotproof/domain"`,
      `import { readFileSync } from "node:fs"`,
      `export { Effect } from "effect"`
    ].join("\n")
    expect(violations("stats", importsOf(file, text), new Set())).toEqual([
      "packages/stats/src/Example.ts:1: @pilotproof/stats imports @pilotproof/domain, which ARCHITECTURE.md's dependency table does not allow (stats may import: simple-statistics, @stdlib/*; no node: built-ins (a pure package))",
      "packages/stats/src/Example.ts:1: @pilotproof/domain is imported but not declared in packages/stats/package.json",
      "packages/stats/src/Example.ts:2: @pilotproof/stats imports node:fs, a node: built-in in a pure package (stats may import: simple-statistics, @stdlib/*; no node: built-ins (a pure package))",
      "packages/stats/src/Example.ts:3: @pilotproof/stats imports effect, which ARCHITECTURE.md's dependency table does not allow (stats may import: simple-statistics, @stdlib/*; no node: built-ins (a pure package))",
      "packages/stats/src/Example.ts:3: effect is imported but not declared in packages/stats/package.json"
    ])
  })

  it("tells a type-only import from a value import", () => {
    const file = join(PACKAGES, "analysis", "src", "Example.ts")
    const text = [
      `import { type Metric, type MetricAnalysis } from "@pilotproof/domain"`,
      `import type { VariantStats } from "@pilotproof/stats"`,
      `import { Verdict } from "@pilotproof/domain"`,
      `const later = () => import("@pilotproof/store")`
    ].join("\n")
    const found = importsOf(file, text)
    expect(found.map((i) => [i.specifier, i.typeOnly])).toEqual([
      ["@pilotproof/domain", true],
      ["@pilotproof/stats", true],
      ["@pilotproof/domain", false],
      ["@pilotproof/store", false]
    ])
    expect(violations("analysis", found, new Set(["@pilotproof/domain", "@pilotproof/stats"]))).toEqual([
      "packages/analysis/src/Example.ts:3: @pilotproof/analysis imports @pilotproof/domain, a value import where ARCHITECTURE.md's table allows types only (use `import type`) (analysis may import: @pilotproof/stats; types only from: @pilotproof/domain; no node: built-ins (a pure package))",
      "packages/analysis/src/Example.ts:4: @pilotproof/analysis imports @pilotproof/store, which ARCHITECTURE.md's dependency table does not allow (analysis may import: @pilotproof/stats; types only from: @pilotproof/domain; no node: built-ins (a pure package))",
      "packages/analysis/src/Example.ts:4: @pilotproof/store is imported but not declared in packages/analysis/package.json"
    ])
  })
})
