/**
 * Errors that exist only at the HTTP boundary: no or a bad token (401), a role that may not call
 * the endpoint (403), a request too large (413). Domain errors keep their own classes and are
 * sent with their message and status (`DomainErrors`).
 */
import { HttpApiSchema } from "@effect/platform"
import * as Domain from "@pilotproof/domain"
import { Schema } from "effect"

/**
 * A domain error as the API sends it: its fields and `message`, the sentence the CLI prints for
 * it (`no pilot with id "x"; registered: a, b`). The classes derive the message from their
 * fields, so decoding drops it and rebuilds the error. The status is set here, once: annotating
 * the schema again (as `addError(schema, { status })` does) would drop its OpenAPI name.
 */
const withMessage = <Self extends { readonly message: string }, Encoded, Fields extends Schema.Struct.Fields>(
  error: Schema.Schema<Self, Encoded> & {
    readonly fields: Fields
    readonly identifier: string
    new(props: never): Self
  },
  status: number
) => {
  const names = Object.keys(error.fields).filter((name) => name !== "_tag")
  return Schema.transform(
    Schema.Struct({ ...error.fields, message: Schema.String }),
    Schema.typeSchema(error),
    {
      strict: false,
      decode: (body) => new error(Object.fromEntries(names.map((name) => [name, (body as Record<string, unknown>)[name]])) as never),
      encode: (e) => ({ _tag: (e as { readonly _tag?: unknown })._tag, ...Object.fromEntries(names.map((name) => [name, (e as Record<string, unknown>)[name]])), message: e.message })
    }
  ).annotations({
    // Its own name in the OpenAPI document: the class's name stays with the plain form, which
    // nested errors use (InvalidPilotFiles.files).
    identifier: `${error.identifier}Response`,
    description: error.identifier,
    ...HttpApiSchema.annotations({ status })
  })
}

export const DomainErrors = {
  InvalidPilotDefinition: withMessage(Domain.InvalidPilotDefinition, 400),
  InvalidPilotFiles: withMessage(Domain.InvalidPilotFiles, 400),
  InputError: withMessage(Domain.InputError, 400),
  PilotNotFound: withMessage(Domain.PilotNotFound, 404),
  PilotDesignFrozen: withMessage(Domain.PilotDesignFrozen, 409),
  InvalidTransition: withMessage(Domain.InvalidTransition, 409),
  PilotNotRunning: withMessage(Domain.PilotNotRunning, 409),
  StorageError: withMessage(Domain.StorageError, 503)
}

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

/**
 * An address that failed to log in too often (wrong tokens on the API or the login form):
 * refused until `retryAfter` seconds have passed, which the Retry-After header repeats.
 */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  message: Schema.String,
  retryAfter: Schema.Number
}, HttpApiSchema.annotations({ status: 429 })) {}

/**
 * Too many results requests are waiting for a computation (`ResultsQueue` in the server): try
 * again after `retryAfter` seconds, which the Retry-After header repeats.
 */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  message: Schema.String,
  retryAfter: Schema.Number
}, HttpApiSchema.annotations({ status: 503 })) {}

/** A body of a media type no endpoint reads (multipart, a form, bytes). */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 415 })) {}

/** A request that is well formed but names something that does not exist (a token id). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String
}, HttpApiSchema.annotations({ status: 404 })) {}
