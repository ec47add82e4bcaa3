// What the workspace already knows about a contract's objects: the newest sample of each entity and
// its inferred schema, for the editor's drift diagnostics, completion and hover. Nothing is sampled
// here: opening a contract never touches the source.
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadwaterError } from '../../shared/errors.js';
import type { DriftSide, SchemaDrift } from '../../shared/drift.js';
import type { Engine } from '../engine.js';
import { InvalidContractError, readContract } from './check.js';
import { parseContract, type ParsedContract } from './parse.js';
import type { Profile } from '../profile/types.js';
import type { SampleInfo } from '../../shared/types.js';
import { compareSchema, contractDrift, contractPaths, observedPaths, type ObservedPath, type SchemaFinding } from './model.js';
import { physicalNameOf, type OdcsContract, type OdcsSchemaObject } from './odcs.js';
import { contractSource } from './server.js';

export interface ObservedObject {
  index: number;
  object: OdcsSchemaObject;
  sample: SampleInfo;
  paths: Map<string, ObservedPath>;
  findings: SchemaFinding[];
}

export interface ContractObservations {
  objects: ObservedObject[];
  /** Profiles by sample id, computed on first use (hover). */
  profile(sampleId: string): Promise<Profile | undefined>;
}

/** The entity names a sample of this object may carry. */
function entityNames(contract: OdcsContract, object: OdcsSchemaObject, engine: Engine): { names: Set<string>; source?: string } {
  const physical = physicalNameOf(object);
  const names = new Set([physical, object.name]);
  const server = contract.servers?.[0];
  if (!server) return { names };
  try {
    const source = contractSource(server, engine.listDefinitions().map((d) => d.definition), 'contract', {});
    names.add(source.entityFor(physical));
    return { names, source: source.definition.name };
  } catch {
    return { names, source: server.server };
  }
}

function validContract(parsed: ParsedContract): { contract: NonNullable<ParsedContract['contract']> } {
  if (!parsed.contract) throw new InvalidContractError(parsed.path, parsed.problems);
  return { contract: parsed.contract };
}

function newestSampleOf(samples: SampleInfo[], names: Set<string>, source: string | undefined): SampleInfo | undefined {
  const candidates = samples.filter((s) => names.has(s.entity)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return candidates.find((s) => s.source === source) ?? candidates[0];
}

/** A contract object against a sample (the newest of its entity unless given), as the Drift panel shows it. */
export async function contractDriftOf(engine: Engine, params: { contract: string; object?: string; sampleId?: string; text?: string }): Promise<{ drift: SchemaDrift; before: DriftSide; after: DriftSide }> {
  const path = params.contract.startsWith('file://') ? fileURLToPath(params.contract) : params.contract;
  const { contract } = params.text === undefined ? readContract(path) : validContract(parseContract(params.text, path));
  const objects = contract.schema ?? [];
  const index = params.object ? objects.findIndex((o) => o.name === params.object) : 0;
  const object = objects[index];
  if (!object) throw new HeadwaterError('not_found', `${path}: no schema object${params.object ? ` named '${params.object}'` : ''} to compare.`);
  const { names, source } = entityNames(contract, object, engine);
  const sample = params.sampleId
    ? await engine.sampleInfo(params.sampleId)
    : newestSampleOf((await engine.samples()).filter((s) => s.status === 'complete' || s.status === 'partial'), names, source);
  if (!sample) {
    throw new HeadwaterError('not_found', `No sample of '${physicalNameOf(object)}' in this workspace yet, so ${basename(path)} has nothing to be compared with.`, {
      entity: physicalNameOf(object), hint: `Sample it first (headwater sample <source> ${physicalNameOf(object)}), or run: headwater check ${basename(path)}`,
    });
  }
  const label = `${basename(path)}#${object.name}`;
  const drift = contractDrift(contractPaths(object, `/schema/${index}`), observedPaths(await engine.inferred(sample.id), sample.schema.fields), { contract: label, sample: sample.id });
  return {
    drift,
    before: { kind: 'contract', label, detail: `${contract.id} v${contract.version} (${contract.status})` },
    after: { kind: 'sample', label: sample.id, detail: `${sample.source}.${sample.entity} · ${sample.rowCount.toLocaleString('en-US')} rows · ${sample.startedAt}` },
  };
}

export async function observeContract(engine: Engine, contract: OdcsContract, profiles = new Map<string, Promise<Profile | undefined>>()): Promise<ContractObservations> {
  const samples = (await engine.samples()).filter((s) => s.status === 'complete' || s.status === 'partial');
  const objects: ObservedObject[] = [];
  for (const [index, object] of (contract.schema ?? []).entries()) {
    const { names, source } = entityNames(contract, object, engine);
    const sample = newestSampleOf(samples, names, source);
    if (!sample) continue;
    const inferred = await engine.inferred(sample.id);
    const paths = observedPaths(inferred, sample.schema.fields);
    const findings = compareSchema(contractPaths(object, `/schema/${index}`), paths, { contract: object.name, sample: sample.id });
    objects.push({ index, object, sample, paths, findings });
  }
  return {
    objects,
    profile(sampleId) {
      let pending = profiles.get(sampleId);
      if (!pending) {
        pending = engine.profile(sampleId).catch(() => undefined);
        profiles.set(sampleId, pending);
      }
      return pending;
    },
  };
}
