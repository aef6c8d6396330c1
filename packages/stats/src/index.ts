export * from "./Random.js"
