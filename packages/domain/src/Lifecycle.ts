/**
 * The registry's rules, as pure functions the store applies inside its transactions: what
 * registering a definition does to the existing pilot, and which status changes are allowed.
 */
import type { PilotStatus } from "./Pilot.js"

export interface CurrentPilot {
  readonly status: PilotStatus
  readonly version: number
  readonly definitionHash: string
}

export type RegistrationPlan =
  | { readonly _tag: "Create"; readonly version: 1 }
  | { readonly _tag: "Unchanged"; readonly version: number }
  | { readonly _tag: "NewVersion"; readonly version: number }
  | { readonly _tag: "Frozen"; readonly version: number; readonly status: PilotStatus }

/**
 * Registering an unchanged definition is a no-op; a changed draft becomes the next version;
 * a changed running or stopped pilot is refused, because its design is its pre-registration.
 */
export const planRegistration = (current: CurrentPilot | undefined, definitionHash: string): RegistrationPlan => {
  if (current === undefined) return { _tag: "Create", version: 1 }
  if (current.definitionHash === definitionHash) return { _tag: "Unchanged", version: current.version }
  if (current.status === "draft") return { _tag: "NewVersion", version: current.version + 1 }
  return { _tag: "Frozen", version: current.version, status: current.status }
}

export type LifecycleAction = "start" | "stop"

const allowed: Record<LifecycleAction, { readonly from: PilotStatus; readonly to: PilotStatus }> = {
  start: { from: "draft", to: "running" },
  stop: { from: "running", to: "stopped" }
}

/** The status an action leads to, or `undefined` when the action is not allowed from `status`. */
export const transition = (status: PilotStatus, action: LifecycleAction): PilotStatus | undefined =>
  allowed[action].from === status ? allowed[action].to : undefined
