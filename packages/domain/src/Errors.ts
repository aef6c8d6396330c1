/**
 * Errors that cross a boundary (CLI, HTTP, storage). Each names what was wrong and where;
 * HTTP status codes belong to the API contract, not here.
 */
import { Schema } from "effect"

/** One problem in a pilot file: the field path, and for text files the line and column. */
export class DefinitionIssue extends Schema.Class<DefinitionIssue>("DefinitionIssue")({
  path: Schema.String,
  message: Schema.String,
  line: Schema.optional(Schema.Number),
  column: Schema.optional(Schema.Number)
}) {
  /** `experiments/bot.yaml:12:5 metrics[2].margin: …` */
  format(source: string): string {
    const where = this.line === undefined ? source : `${source}:${this.line}:${this.column ?? 1}`
    return `${where} ${this.path === "" ? "(file)" : this.path}: ${this.message}`
  }
}

export class InvalidPilotDefinition extends Schema.TaggedError<InvalidPilotDefinition>()("InvalidPilotDefinition", {
  source: Schema.String,
  issues: Schema.Array(DefinitionIssue)
}) {
  override get message(): string {
    const n = this.issues.length
    return [`${this.source}: ${n} problem${n === 1 ? "" : "s"} in the pilot definition`, ...this.issues.map((i) => `  ${i.format(this.source)}`)].join("\n")
  }
}

/** Several pilot files failed validation; each keeps its own list of issues. */
export class InvalidPilotFiles extends Schema.TaggedError<InvalidPilotFiles>()("InvalidPilotFiles", {
  files: Schema.Array(InvalidPilotDefinition)
}) {
  override get message(): string {
    return this.files.map((f) => f.message).join("\n")
  }
}

export class PilotNotFound extends Schema.TaggedError<PilotNotFound>()("PilotNotFound", {
  pilotId: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const hint = this.known.length === 0 ? "no pilot is registered yet (pilotproof pilot register <file>)" : `registered: ${this.known.join(", ")}`
    return `no pilot with id "${this.pilotId}"; ${hint}`
  }
}

export class PilotDesignFrozen extends Schema.TaggedError<PilotDesignFrozen>()("PilotDesignFrozen", {
  pilotId: Schema.String,
  status: Schema.String,
  version: Schema.Number,
  designHash: Schema.String,
  changed: Schema.Array(Schema.String),
  source: Schema.String
}) {
  override get message(): string {
    const shown = this.changed.slice(0, 8).join(", ") + (this.changed.length > 8 ? `, … (${this.changed.length} in all)` : "")
    return [
      `${this.source}: pilot "${this.pilotId}" is ${this.status}; its design (version ${this.version}, hash ${this.designHash.slice(0, 12)}) was frozen when it started.`,
      `  changed: ${shown}`,
      `  A running or stopped pilot's pre-registration cannot change. To test the changed design, give the file a new id`,
      `  (for example "${this.pilotId}-v${this.version + 1}") and register it as a new pilot; keep this file as it was.`
    ].join("\n")
  }
}

export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  pilotId: Schema.String,
  from: Schema.String,
  action: Schema.String
}) {
  override get message(): string {
    return `cannot ${this.action} pilot "${this.pilotId}": it is ${this.from}`
  }
}

/** Data may only arrive once the design is frozen: a draft pilot takes no events. */
export class PilotNotRunning extends Schema.TaggedError<PilotNotRunning>()("PilotNotRunning", {
  pilotId: Schema.String,
  status: Schema.String,
  action: Schema.String
}) {
  override get message(): string {
    return `cannot ${this.action} pilot "${this.pilotId}": it is ${this.status}; start it first (pilotproof pilot start ${this.pilotId}) so its design is frozen before data arrives`
  }
}

/**
 * A database failure, with the driver's error kept as `cause` (for logs and traces; it is not
 * part of the schema, so it never reaches a client or a user raw).
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  operation: Schema.String,
  detail: Schema.String
}) {
  constructor(props: { readonly operation: string; readonly detail: string; readonly cause?: unknown }) {
    super({ operation: props.operation, detail: props.detail })
    if (props.cause !== undefined) Object.defineProperty(this, "cause", { value: props.cause, enumerable: false, configurable: true })
  }

  override get message(): string {
    return `storage failed while ${this.operation}: ${this.detail}`
  }
}

/** A file or input that could not be read at all (missing, a directory, unreadable). */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.source}: ${this.detail}`
  }
}
