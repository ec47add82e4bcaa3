// The part of an ODCS v3.1 data contract (Open Data Contract Standard, bitol-io) that Headwater reads.
// The full shape is the standard's JSON Schema (odcs-json-schema-v3.1.0.json), which every contract is
// validated against first; these types only name what the checker and the editor use.

export const ODCS_LOGICAL_TYPES = ['string', 'date', 'timestamp', 'time', 'number', 'integer', 'object', 'array', 'boolean'] as const;
export type OdcsLogicalType = (typeof ODCS_LOGICAL_TYPES)[number];

export interface OdcsCustomProperty {
  property: string;
  value?: unknown;
}

export interface OdcsQuality {
  id?: string;
  name?: string;
  description?: string;
  type?: 'text' | 'library' | 'sql' | 'custom';
  metric?: 'nullValues' | 'missingValues' | 'invalidValues' | 'duplicateValues' | 'rowCount' | (string & {});
  /** Deprecated alias of metric. */
  rule?: string;
  arguments?: { validValues?: unknown[]; missingValues?: unknown[]; pattern?: string; [key: string]: unknown };
  unit?: string;
  query?: string;
  /** `custom` rules: who runs them (`headwater` for the privacy rules) and how. */
  engine?: string;
  implementation?: unknown;
  severity?: string;
  mustBe?: unknown;
  mustNotBe?: unknown;
  mustBeGreaterThan?: number;
  mustBeGreaterOrEqualTo?: number;
  mustBeLessThan?: number;
  mustBeLessOrEqualTo?: number;
  mustBeBetween?: [number, number];
  mustNotBeBetween?: [number, number];
}

export interface OdcsProperty {
  id?: string;
  name: string;
  physicalName?: string;
  logicalType?: OdcsLogicalType;
  logicalTypeOptions?: {
    minimum?: number | string;
    maximum?: number | string;
    exclusiveMinimum?: number | string | boolean;
    exclusiveMaximum?: number | string | boolean;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
    format?: string;
    [key: string]: unknown;
  };
  physicalType?: string;
  required?: boolean;
  unique?: boolean;
  primaryKey?: boolean;
  description?: string;
  properties?: OdcsProperty[];
  items?: OdcsProperty & { name?: string };
  quality?: OdcsQuality[];
  customProperties?: OdcsCustomProperty[];
}

export interface OdcsSchemaObject {
  id?: string;
  name: string;
  physicalName?: string;
  physicalType?: string;
  description?: string;
  properties?: OdcsProperty[];
  quality?: OdcsQuality[];
  customProperties?: OdcsCustomProperty[];
}

export interface OdcsServer {
  server: string;
  type: string;
  description?: string;
  environment?: string;
  host?: string;
  port?: number;
  database?: string;
  schema?: string;
  path?: string;
  format?: string;
  location?: string;
  customProperties?: OdcsCustomProperty[];
  [key: string]: unknown;
}

export interface OdcsSlaProperty {
  property: string;
  value: string | number | boolean | null;
  valueExt?: unknown;
  unit?: string;
  element?: string;
  driver?: string;
  description?: string;
}

export interface OdcsContract {
  apiVersion: string;
  kind: 'DataContract';
  id: string;
  version: string;
  status: string;
  name?: string;
  servers?: OdcsServer[];
  schema?: OdcsSchemaObject[];
  slaDefaultElement?: string;
  slaProperties?: OdcsSlaProperty[];
  customProperties?: OdcsCustomProperty[];
}

export function customProperty(owner: { customProperties?: OdcsCustomProperty[] } | undefined, name: string): unknown {
  return owner?.customProperties?.find((p) => p.property === name)?.value;
}

/** The table/topic/file name the source knows an object or property by. */
export function physicalNameOf(element: { name: string; physicalName?: string }): string {
  return element.physicalName ?? element.name;
}
