/**
 * Reading Schema's parse issues as a user reads them.
 */

/** A parse issue as `ParseResult.ArrayFormatter` lists it: a path and a message. */
export interface PathIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

/**
 * The issues without the noise of optional fields: a field declared `optional` decodes as
 * `T | undefined`, so a wrong value also fails the `undefined` branch ("Expected undefined,
 * actual …") beside the real message for the same field or for something inside it.
 */
export const withoutOptionalNoise = <I extends PathIssue>(issues: ReadonlyArray<I>): Array<I> =>
  issues.filter((i) =>
    !(i.message.startsWith("Expected undefined,") &&
      issues.some((j) => j !== i && j.path.length >= i.path.length && i.path.every((key, k) => j.path[k] === key)))
  )
