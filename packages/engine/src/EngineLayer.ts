/**
 * Every engine service over one database (an SQLite file or a `postgres://` URL), opened and
 * migrated once, and the events in it — or in the ClickHouse event store `PILOTPROOF_EVENTS`
 * names. The CLI and the server both run on this layer; snapshots are computed in this process
 * unless another `SnapshotComputer` is given (the server's worker threads, which open the same).
 */
import { Aggregation, Database, eventStoreFromConfig } from "@pilotproof/store"
import { Layer, type Redacted } from "effect"
import { Alerts } from "./Alerts.js"
import { Analysis } from "./Analysis.js"
import { Bitrix24Rest } from "./Bitrix24Rest.js"
import { Connectors } from "./Connectors.js"
import { Assignments } from "./Assignments.js"
import { Decisions } from "./Decisions.js"
import { Erasure } from "./Erasure.js"
import { EventImport } from "./EventImport.js"
import { PilotRegistry } from "./PilotRegistry.js"
import { Readiness } from "./Readiness.js"
import { Simulation } from "./Simulation.js"
import { SnapshotBuilder } from "./SnapshotBuilder.js"
import { SnapshotComputer } from "./SnapshotComputer.js"
import { Snapshots } from "./Snapshots.js"
import { Tokens } from "./Tokens.js"

/** Every engine service, over whichever `Database` is provided (tests give theirs). */
export const EngineServices = <E = never>(computer: Layer.Layer<SnapshotComputer, E> | Layer.Layer<never> = Layer.empty) =>
  Layer.mergeAll(
    PilotRegistry.Default,
    EventImport.Default,
    Assignments.Default,
    Erasure.Default,
    Readiness.Default,
    Simulation.Default,
    Analysis.Default,
    Decisions.Default,
    Tokens.Default,
    Aggregation.Default,
    Snapshots.Default,
    Alerts.Default
  ).pipe(
    // connectors refresh the snapshots of the pilots a delivery reaches: the one Snapshots service
    (core) => Connectors.Default.pipe(Layer.provideMerge(Bitrix24Rest.Default), Layer.provideMerge(core)),
    Layer.provide(computer)
  )

/** `location`: an SQLite file path or a `postgres://` URL (redacted: it may carry a password). */
export const EngineLayer = <E = never>(
  location: Redacted.Redacted<string> | string,
  computer: Layer.Layer<SnapshotComputer, E> | Layer.Layer<never> = Layer.empty
) => EngineServices(computer).pipe(Layer.provide(Layer.merge(Database.fromUrl(location), eventStoreFromConfig)))

export type Engine = Layer.Layer.Success<ReturnType<typeof EngineLayer>>

/** A database location as it may be printed (a PostgreSQL URL without its password), and where the events are when not there. */
export { eventsLocationNote, printableLocation } from "@pilotproof/store"

/** Only what computing snapshots needs, over its own connection (a snapshot worker thread). */
export const SnapshotBuilderLayer = (location: Redacted.Redacted<string> | string) =>
  SnapshotBuilder.Default.pipe(Layer.provide(Layer.merge(Database.fromUrl(location), eventStoreFromConfig)))
