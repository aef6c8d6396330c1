/**
 * Errors that exist only at the HTTP boundary: no or a bad token (401), a role that may not call
 * the endpoint (403), a request too large (413). Domain errors keep their own classes; their
 * statuses are set where the endpoints add them.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 401 })) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String,
  role: Schema.String,
  allowed: Schema.Array(Schema.String)
}, HttpApiSchema.annotations({ status: 403 })) {}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  message: Schema.String,
  limit: Schema.Number,
  unit: Schema.Literal("bytes", "events", "units")
}, HttpApiSchema.annotations({ status: 413 })) {}

/** A request that is well formed but names something that does not exist (a token id). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 404 })) {}
