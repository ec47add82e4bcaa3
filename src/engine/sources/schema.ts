// The JSON Schema of .headwater/sources.yaml, made from the drivers' manifests (one `if kind then`
// branch per kind), so a new kind needs no edit here. Served to editors; the engine's own checks
// (config.ts) go through the same manifests entry by entry, for messages that name the option.
import { PRIVACY_EXPORT_SCHEMA, PRIVACY_SCHEMA } from '../../shared/privacy.js';
import { COMMON_ENTRY_PROPERTIES, driverKinds, manifests } from '../drivers/registry.js';

type JsonSchema = { [keyword: string]: unknown };

const SOURCES_DESCRIPTION = 'The sources shown in the Headwater tree.';

export function sourcesSchema(): JsonSchema {
  const all = manifests();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://headwater.dev/schemas/sources.schema.json',
    title: 'Headwater sources',
    description: 'Named connections to source systems. Commit this file; keep secrets out of it by writing ${secret:NAME} or ${env:VAR} references.',
    type: 'object',
    additionalProperties: false,
    properties: {
      sources: { type: 'array', description: SOURCES_DESCRIPTION, items: { $ref: '#/definitions/source' } },
      privacy: { ...PRIVACY_SCHEMA, properties: { ...PRIVACY_SCHEMA.properties, export: PRIVACY_EXPORT_SCHEMA }, description: `The workspace-wide privacy policy; a source's own privacy: comes first. ${PRIVACY_SCHEMA.description}` },
    },
    definitions: {
      source: {
        type: 'object',
        required: ['name', 'kind'],
        properties: {
          ...COMMON_ENTRY_PROPERTIES,
          kind: { type: 'string', enum: driverKinds(), description: `Source kind: ${all.map((m) => `${m.kind} (${m.summary})`).join(', ')}.` },
        },
        allOf: all.map((m) => ({ if: { required: ['kind'], properties: { kind: { const: m.kind } } }, then: { $ref: `#/definitions/${m.kind}` } })),
      },
      ...Object.fromEntries(all.map((m) => [m.kind, m.entrySchema])),
    },
  };
}

/** The file's outer shape; each entry is then checked by its kind's manifest. */
export const fileSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sources: {
      type: 'array',
      description: SOURCES_DESCRIPTION,
      items: { type: 'object', required: ['name', 'kind'], properties: { name: { type: 'string' }, kind: { type: 'string' } } },
    },
    privacy: PRIVACY_SCHEMA,
  },
};
