// Every kind `headwater generate` knows: what it writes, where, and what source it needs. Adding a
// kind is one entry here.
import { HeadwaterError } from '../../shared/errors.js';
import type { GeneratorKindInfo } from '../../shared/protocol.js';
import { dcsYaml } from './contracts/dcs.js';
import { odcsYaml } from './contracts/odcs.js';
import { airbyteManifest, dltRestConfig, dltRestPipeline } from './connectors/rest.js';
import { airbyteCatalog, airbyteConfig, debeziumConfig, dltPipeline, jdbcSourceConfig } from './connectors/connectors.js';
import { debeziumMongoConfig } from './connectors/debezium-mongodb.js';
import { dltClickHousePipeline, dltLakehousePipeline } from './connectors/dlt-olap.js';
import { dltMongoPipeline } from './connectors/dlt-mongodb.js';
import { dltOpenSearchPipeline } from './connectors/dlt-opensearch.js';
import type { GenerationEvidence } from './evidence.js';
import { entityTable, safeName } from './evidence.js';
import { avroSchema, ddl, jsonSchema } from './schemas/schemas.js';
import { asyncApiDocument, openApiDocument } from './schemas/interfaces.js';
import { yamlDocument } from './yaml.js';

export interface ArtifactFile {
  /** File name inside the kind's folder. */
  name: string;
  content: string;
}

export interface Generator extends GeneratorKindInfo {
  /** Source kinds it applies to; undefined: any. */
  sourceKinds?: string[];
  /** Set for kinds that wait on a driver that has not landed: why, for help and errors. */
  unavailable?: string;
  files(evidence: GenerationEvidence): ArtifactFile[];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const stem = (e: GenerationEvidence) => safeName(`${e.sample.source}_${entityTable(e)}`).toLowerCase();
const RELATIONAL = ['postgres', 'mysql'];

export const GENERATORS: Generator[] = [
  { kind: 'odcs', title: 'Data contract, ODCS v3.1 (YAML)', folder: 'contracts', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.odcs.yaml`, content: odcsYaml(e) }] },
  { kind: 'dcs', title: 'Data contract, Data Contract Specification 1.2.1 (YAML)', folder: 'contracts', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.datacontract.yaml`, content: dcsYaml(e) }] },
  { kind: 'debezium', title: 'Debezium connector (Kafka Connect REST JSON)', folder: 'connectors', needs: 'a PostgreSQL or MySQL sample', sourceKinds: RELATIONAL, files: (e) => [{ name: `${stem(e)}.debezium.json`, content: json(debeziumConfig(e)) }] },
  { kind: 'debezium-mongodb', title: 'Debezium MongoDB connector (Kafka Connect REST JSON; needs change streams: a replica set or sharded cluster)', folder: 'connectors', needs: 'a MongoDB sample', sourceKinds: ['mongodb'], files: (e) => [{ name: `${stem(e)}.debezium-mongodb.json`, content: json(debeziumMongoConfig(e)) }] },
  { kind: 'dlt-mongodb', title: 'dlt pipeline for a MongoDB collection (Python, pymongo)', folder: 'connectors', needs: 'a MongoDB sample', sourceKinds: ['mongodb'], files: (e) => [{ name: `${stem(e)}_mongodb_pipeline.py`, content: dltMongoPipeline(e) }] },
  { kind: 'dlt-opensearch', title: 'dlt rest_api pipeline for an OpenSearch index (Python; point in time + search_after)', folder: 'connectors', needs: 'an OpenSearch sample', sourceKinds: ['opensearch'], files: (e) => [{ name: `${stem(e)}_opensearch_pipeline.py`, content: dltOpenSearchPipeline(e) }] },
  { kind: 'jdbc', title: 'Kafka Connect JDBC source (REST JSON)', folder: 'connectors', needs: 'a relational sample', sourceKinds: [...RELATIONAL, 'sqlite'], files: (e) => [{ name: `${stem(e)}.jdbc-source.json`, content: json(jdbcSourceConfig(e)) }] },
  {
    kind: 'airbyte', title: 'Airbyte source-postgres config + configured catalog', folder: 'connectors', needs: 'a PostgreSQL sample', sourceKinds: ['postgres'],
    files: (e) => [
      { name: `${stem(e)}.airbyte-source-postgres.json`, content: json(airbyteConfig(e)) },
      { name: `${stem(e)}.airbyte-catalog.json`, content: json(airbyteCatalog(e)) },
    ],
  },
  {
    kind: 'dlt', title: 'dlt pipeline (Python): sql_database, ClickHouse over HTTP, or a lakehouse folder through the filesystem source', folder: 'connectors', needs: 'a relational, ClickHouse or lakehouse sample',
    sourceKinds: [...RELATIONAL, 'sqlite', 'clickhouse', 'lakehouse'],
    files: (e) => [{ name: `${stem(e)}_pipeline.py`, content: e.sample.sourceKind === 'clickhouse' ? dltClickHousePipeline(e) : e.sample.sourceKind === 'lakehouse' ? dltLakehousePipeline(e) : dltPipeline(e) }],
  },
  { kind: 'jsonschema', title: 'JSON Schema 2020-12', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.schema.json`, content: json(jsonSchema(e)) }] },
  { kind: 'avro', title: 'Avro schema (.avsc)', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.avsc`, content: json(avroSchema(e)) }] },
  { kind: 'ddl-duckdb', title: 'CREATE TABLE for DuckDB', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.duckdb.sql`, content: ddl(e, 'duckdb') }] },
  { kind: 'ddl-postgres', title: 'CREATE TABLE for PostgreSQL', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.postgres.sql`, content: ddl(e, 'postgres') }] },
  { kind: 'airbyte-manifest', title: 'Airbyte declarative manifest (low-code)', folder: 'connectors', needs: 'a REST sample', sourceKinds: ['rest'], files: (e) => [{ name: `${stem(e)}.airbyte-manifest.yaml`, content: yamlDocument(airbyteManifest(e), [e.provenance, 'Airbyte low-code manifest: secrets are {{ config[...] }} values of the connection spec.']) }] },
  {
    kind: 'dlt-rest', title: 'dlt rest_api config + pipeline (Python)', folder: 'connectors', needs: 'a REST sample', sourceKinds: ['rest'],
    files: (e) => [
      { name: `${stem(e)}.dlt-rest-api.json`, content: json(dltRestConfig(e)) },
      { name: `${stem(e)}_rest_pipeline.py`, content: dltRestPipeline(e, `${stem(e)}.dlt-rest-api.json`) },
    ],
  },
  { kind: 'asyncapi', title: 'AsyncAPI 3.0 document for the topic (--topic T)', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.asyncapi.yaml`, content: yamlDocument(asyncApiDocument(e), [e.provenance]) }] },
  { kind: 'openapi', title: 'OpenAPI 3.1 components for a path (--path P)', folder: 'schemas', needs: 'any sample', files: (e) => [{ name: `${stem(e)}.openapi.yaml`, content: yamlDocument(openApiDocument(e), [e.provenance]) }] },
];

export function generatorKinds(): GeneratorKindInfo[] {
  return GENERATORS.map(({ kind, title, folder, needs, unavailable }) => ({ kind, title, folder, needs, ...(unavailable ? { unavailable } : {}) }));
}

/** Kinds that apply to a sample of this source kind (what `all` and the editor's quick pick offer). */
export function applicableGenerators(sourceKind: string): Generator[] {
  return GENERATORS.filter((g) => !g.unavailable && (!g.sourceKinds || g.sourceKinds.includes(sourceKind === 'mariadb' ? 'mysql' : sourceKind)));
}

export function findGenerator(kind: string): Generator {
  const found = GENERATORS.find((g) => g.kind === kind);
  if (!found) {
    throw new HeadwaterError('usage', `Unknown kind '${kind}'. Kinds: ${GENERATORS.map((g) => g.kind).join(', ')}, all.`, { hint: "Run 'headwater generate --help'." });
  }
  return found;
}
