/**
 * Branded identifiers. A pilot id doubles as a file name, a URL segment and a CLI argument,
 * so it is lower-case kebab case; metric and variant keys are snake/kebab identifiers that
 * appear as JSON keys and column values.
 */
import { Schema } from "effect"

export const PilotId = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, {
    message: () => "a pilot id is lower-case kebab case (letters, digits, single hyphens), e.g. support-bot-lead-qualification"
  }),
  Schema.maxLength(64, { message: () => "a pilot id is at most 64 characters" }),
  Schema.brand("PilotId")
)
export type PilotId = typeof PilotId.Type

export const MetricKey = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*$/, {
    message: () => "a metric key is lower-case snake case starting with a letter, e.g. first_reply_minutes"
  }),
  Schema.maxLength(64, { message: () => "a metric key is at most 64 characters" }),
  Schema.brand("MetricKey")
)
export type MetricKey = typeof MetricKey.Type

export const VariantKey = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_-]*$/, {
    message: () => "a variant key is lower-case letters, digits, '_' or '-', starting with a letter, e.g. control"
  }),
  Schema.maxLength(32, { message: () => "a variant key is at most 32 characters" }),
  Schema.brand("VariantKey")
)
export type VariantKey = typeof VariantKey.Type

/** The name of an event type as it appears in imported data (`deal_won`, `first_reply`). */
export const EventName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z][A-Za-z0-9_.:-]*$/, {
    message: () => "an event name starts with a letter and uses letters, digits, '_', '.', ':' or '-'"
  }),
  Schema.maxLength(64, { message: () => "an event name is at most 64 characters" })
)
