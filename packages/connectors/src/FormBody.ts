/**
 * `application/x-www-form-urlencoded` bodies with PHP-style brackets, as amoCRM and Bitrix24
 * send them: `leads[status][0][id]=42&account[subdomain]=shop` → `{ leads: { status: { 0: { id:
 * "42" } } }, account: { subdomain: "shop" } }`. Objects have no prototype (a key `__proto__` is
 * a key like any other), and the body is bounded: at most `MAX_PAIRS` pairs, `MAX_DEPTH` levels.
 */
import { bare, MalformedDelivery } from "./CrmRecord.js"

export type FormValue = string | FormObject
export interface FormObject {
  readonly [key: string]: FormValue
}

const MAX_PAIRS = 10_000
const MAX_DEPTH = 8

/** The key's path: `leads[status][0][id]` → ["leads", "status", "0", "id"]; undefined when malformed. */
const pathOf = (key: string): Array<string> | undefined => {
  const open = key.indexOf("[")
  if (open === -1) return [key]
  const path = [key.slice(0, open)]
  let rest = key.slice(open)
  while (rest !== "") {
    const m = /^\[([^[\]]*)\]/.exec(rest)
    if (m === null) return undefined
    path.push(m[1]!)
    rest = rest.slice(m[0].length)
  }
  return path
}

export const parseFormBody = (body: string): FormObject => {
  const root = bare<FormValue>()
  let pairs = 0
  for (let from = 0; from <= body.length;) {
    const amp = body.indexOf("&", from)
    const part = body.slice(from, amp === -1 ? body.length : amp)
    from = amp === -1 ? body.length + 1 : amp + 1
    if (part === "") continue
    if (++pairs > MAX_PAIRS) throw new MalformedDelivery(`the form body has more than ${MAX_PAIRS} fields`)
    const eq = part.indexOf("=")
    let key: string
    let value: string
    try {
      key = decodeURIComponent((eq === -1 ? part : part.slice(0, eq)).replaceAll("+", " "))
      value = eq === -1 ? "" : decodeURIComponent(part.slice(eq + 1).replaceAll("+", " "))
    } catch {
      throw new MalformedDelivery(`field ${pairs} of the form body is not valid percent-encoding`)
    }
    const path = pathOf(key)
    if (path === undefined || path[0] === "" || path.some((p) => p === "")) {
      throw new MalformedDelivery(`the form field ${JSON.stringify(key.slice(0, 80))} is not a name with [bracketed] parts`)
    }
    if (path.length > MAX_DEPTH) throw new MalformedDelivery(`the form field ${JSON.stringify(key.slice(0, 80))} nests deeper than ${MAX_DEPTH} levels`)
    let node = root as Record<string, FormValue>
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]!]
      if (next === undefined) {
        const child = bare<FormValue>()
        node[path[i]!] = child
        node = child
      } else if (typeof next === "string") {
        throw new MalformedDelivery(`the form field ${JSON.stringify(path.slice(0, i + 1).join("."))} is both a value and a group`)
      } else node = next as Record<string, FormValue>
    }
    const last = path[path.length - 1]!
    if (typeof node[last] === "object") throw new MalformedDelivery(`the form field ${JSON.stringify(path.join("."))} is both a value and a group`)
    node[last] = value
  }
  return root
}

/** The object at `key`, if it is one. */
export const groupAt = (value: FormValue | undefined, key: string): FormObject | undefined => {
  if (value === undefined || typeof value === "string") return undefined
  const child = value[key]
  return child === undefined || typeof child === "string" ? undefined : child
}

/** The text at `key`, if it is text. */
export const textAt = (value: FormValue | undefined, key: string): string | undefined => {
  if (value === undefined || typeof value === "string") return undefined
  const child = value[key]
  return typeof child === "string" ? child : undefined
}

/** The members of a group indexed 0, 1, 2, … in index order (`leads[status][0]`, `[1]`). */
export const itemsOf = (group: FormObject | undefined): Array<FormObject> =>
  group === undefined
    ? []
    : Object.keys(group).filter((k) => /^\d{1,6}$/.test(k)).sort((a, b) => Number(a) - Number(b))
      .flatMap((k) => (typeof group[k] === "object" ? [group[k] as FormObject] : []))
