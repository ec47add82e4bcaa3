// What the workspace already knows about a contract's objects: the newest sample of each entity and
// its inferred schema, for the editor's drift diagnostics, completion and hover. Nothing is sampled
// here: opening a contract never touches the source.
import type { Engine } from '../engine.js';
import type { Profile } from '../profile/types.js';
import type { SampleInfo } from '../../shared/types.js';
import { compareSchema, contractPaths, observedPaths, type ObservedPath, type SchemaFinding } from './model.js';
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

export async function observeContract(engine: Engine, contract: OdcsContract, profiles = new Map<string, Promise<Profile | undefined>>()): Promise<ContractObservations> {
  const samples = (await engine.samples()).filter((s) => s.status === 'complete' || s.status === 'partial');
  const objects: ObservedObject[] = [];
  for (const [index, object] of (contract.schema ?? []).entries()) {
    const { names, source } = entityNames(contract, object, engine);
    const candidates = samples.filter((s) => names.has(s.entity)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const sample = candidates.find((s) => s.source === source) ?? candidates[0];
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
