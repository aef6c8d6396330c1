/**
 * The authentication middleware of the API: a bearer token (`Authorization: Bearer pp_…`),
 * checked against the stored token hashes; the token's role must be one of the endpoint's
 * `AllowedRoles`. It runs before the request body is decoded, so a caller without the role
 * gets 403 whatever it sent. (A storage failure while checking the token is a 503, through the
 * API-wide `StorageError`.)
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Schema } from "effect"
import { Forbidden, Unauthorized } from "./HttpErrors.js"
import { CurrentUser } from "./Roles.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@pilotproof/api/Authentication", {
  failure: Schema.Union(Unauthorized, Forbidden),
  provides: CurrentUser,
  security: { bearer: HttpApiSecurity.bearer }
}) {}
