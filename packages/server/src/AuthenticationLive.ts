/**
 * The authentication middleware: the bearer token's hash must match an active token, and its
 * role must be among the `AllowedRoles` the contract annotates on the endpoint being called
 * (found by the route's method and path). A wrong token counts against the client's address
 * (`LoginThrottle`); the server refuses an address over its limit before this runs.
 */
import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { AllowedRoles, Authentication, Forbidden, PilotproofApi, Unauthorized } from "@pilotproof/api"
import type { Role } from "@pilotproof/domain"
import { Tokens } from "@pilotproof/engine"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { LoginThrottle, requestClient } from "./LoginThrottle.js"

/** `METHOD path` → allowed roles, from the contract's annotations. */
export const permissions: ReadonlyMap<string, ReadonlyArray<Role>> = (() => {
  const map = new Map<string, ReadonlyArray<Role>>()
  for (const group of Object.values(PilotproofApi.groups)) {
    for (const endpoint of Object.values(group.endpoints)) {
      const roles = Context.getOption(endpoint.annotations, AllowedRoles)
      map.set(`${endpoint.method} ${endpoint.path}`, Option.getOrElse(roles, () => ["admin"] as ReadonlyArray<Role>))
    }
  }
  return map
})()

export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const tokens = yield* Tokens
    const throttle = yield* LoginThrottle
    return {
      bearer: (token) =>
        Effect.gen(function*() {
          const value = Redacted.value(token)
          if (value === "") {
            return yield* new Unauthorized({ message: "no token: send Authorization: Bearer <token> (create one with pilotproof token create --role … --name …)" })
          }
          const request = yield* HttpServerRequest.HttpServerRequest
          const principal = yield* tokens.authenticate(value).pipe(Effect.orDie)
          if (Option.isNone(principal)) {
            yield* throttle.failure(requestClient(request), value)
            return yield* new Unauthorized({ message: "the token is unknown or revoked" })
          }
          const route = yield* HttpRouter.RouteContext
          const allowed = permissions.get(`${request.method} ${route.route.path}`) ?? ["admin"]
          if (!allowed.includes(principal.value.role)) {
            return yield* new Forbidden({
              message: `the role "${principal.value.role}" may not ${request.method} ${route.route.path}; allowed: ${allowed.join(", ")}`,
              role: principal.value.role,
              allowed
            })
          }
          return principal.value
        })
    }
  })
)
