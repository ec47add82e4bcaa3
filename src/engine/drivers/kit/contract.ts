// What a kind puts in a generated data contract's `servers` entry (ODCS 3.1), declared in its
// manifest so the generators need not know the kind. Built from the source as written in
// sources.yaml: references stay references, and a URL keeps only its origin and path.
import type { SourceDefinition } from '../../../shared/protocol.js';

export type ContractServer = Record<string, unknown>;

/** What no data can tell (an environment, an owner): left for the contract's author, as the generators do. */
export const CONTRACT_TODO = 'TODO';

/** A customProperty naming where a credential comes from (`${env:…}` references, never values). */
export interface CredentialReference {
  property: string;
  value: string;
}

/** The ODCS server of a source of this kind, given its definition, the sampled entity, where its credentials come from and the statement the sample was read with. */
export type ContractServerOf = (definition: SourceDefinition, entity: string, login: CredentialReference[], query?: string) => ContractServer;

/** The URL a source was written with, or undefined when it has none or it does not parse. */
export function parsedUrl(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A URL without user info, query or fragment (they may hold credentials); undefined when it is not one. */
export function publicLocation(url: string | undefined, schemes: Record<string, string> = {}): string | undefined {
  const parsed = parsedUrl(url);
  if (!parsed) return undefined;
  const protocol = schemes[parsed.protocol] ?? parsed.protocol;
  return `${protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** An HTTP API source as an ODCS `api` server: its location, and what the kind is and the entity read. */
export function apiServer(kind: string, definition: SourceDefinition, entity: string, schemes: Record<string, string> = {}): ContractServer {
  return {
    type: 'api',
    location: publicLocation(definition.url, schemes) ?? CONTRACT_TODO,
    description: `${kind} source '${definition.name}', ${entity}. Credentials are not part of the contract.`,
    customProperties: [{ property: 'sourceKind', value: definition.kind }, { property: 'entity', value: entity }],
  };
}
