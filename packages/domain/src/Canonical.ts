/**
 * Canonical JSON: object keys sorted, no insignificant white space, `undefined` members
 * dropped. Two definitions that mean the same thing serialize to the same bytes, so the hash
 * of the canonical form is the pilot's pre-registration fingerprint.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value))

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key]
      if (member !== undefined) out[key] = sortKeys(member)
    }
    return out
  }
  return value
}

/**
 * The paths (`metrics[0].margin`) at which two JSON values differ, for telling a user what
 * changed in a frozen design. Arrays are compared index by index.
 */
export const changedPaths = (before: unknown, after: unknown, prefix = ""): Array<string> => {
  if (canonicalJson(before) === canonicalJson(after)) return []
  const bothObjects =
    before !== null && after !== null && typeof before === "object" && typeof after === "object" &&
    Array.isArray(before) === Array.isArray(after)
  if (!bothObjects) return [prefix === "" ? "(root)" : prefix]
  if (Array.isArray(before) && Array.isArray(after)) {
    const paths: Array<string> = []
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      paths.push(...changedPaths(before[i], after[i], `${prefix}[${i}]`))
    }
    return paths
  }
  const a = before as Record<string, unknown>
  const b = after as Record<string, unknown>
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
  return keys.flatMap((key) => changedPaths(a[key], b[key], prefix === "" ? key : `${prefix}.${key}`))
}
