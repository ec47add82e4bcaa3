// Schema inference: the engine every driver's records go through (see infer.ts), its pure format
// detectors, the JSON shape of its result and the mapping onto the shared Field list.
export { DEFAULT_LIMITS, SchemaInferrer, decimalScale, stringKind } from './infer.js';
export { toField, toFields } from './fields.js';
export { confidenceOf, duckTypeOfField } from './report.js';
export { formatProvenance } from './words.js';
export * from './detectors.js';
export type * from './types.js';
