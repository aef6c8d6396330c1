import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
export const PagesLive = HttpApiBuilder.Router.use((_router) => Effect.void)
