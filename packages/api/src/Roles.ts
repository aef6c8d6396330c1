/**
 * Roles and who may call what. Each endpoint carries its allowed roles as an annotation
 * (`AllowedRoles`), so the contract is the one place permissions are written; the server's
 * authentication middleware reads it, and the OpenAPI document shows it.
 */
import { OpenApi } from "@effect/platform"
import type { HttpApiEndpoint } from "@effect/platform"
import { type Principal, type Role, ROLES } from "@pilotproof/domain"
import { Context } from "effect"

/** The roles allowed to call an endpoint. */
export class AllowedRoles extends Context.Tag("@pilotproof/api/AllowedRoles")<AllowedRoles, ReadonlyArray<Role>>() {}

/** Everyone with a valid token. */
export const ANY_ROLE: ReadonlyArray<Role> = ROLES

/** Annotates an endpoint with the roles allowed to call it (admin is always allowed). */
export const allow = (...roles: ReadonlyArray<Role>) =>
<E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E): E => {
  const allowed = roles.includes("admin") ? roles : [...roles, "admin" as const]
  return (endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps)
    .annotate(AllowedRoles, allowed)
    .annotate(OpenApi.Description, `Roles: ${allowed.join(", ")}.`) as unknown as E
}

/** The principal the authentication middleware provides to every handler. */
export class CurrentUser extends Context.Tag("@pilotproof/api/CurrentUser")<CurrentUser, Principal>() {}
