// The shapes a command's argument comes in: a tree node, a SampleInfo, or a plain object when a
// command is called programmatically (tests, other commands).
import type { SampleStrategy } from '../shared/types.js';
import { sampleOf, type SourceTreeNode } from './trees.js';

export interface SampleTarget { source: string; entity: string; limit?: number; strategy?: SampleStrategy; confirmFull?: boolean }

function isSourceNode(value: unknown): value is SourceTreeNode {
  const type = (value as { type?: unknown } | undefined)?.type;
  return type === 'source' || type === 'entity' || type === 'error';
}
export function isSampleTarget(value: unknown): value is SampleTarget {
  const candidate = value as Partial<SampleTarget> | undefined;
  return typeof candidate?.source === 'string' && typeof candidate.entity === 'string' && !isSourceNode(value);
}
export function entityOf(node: unknown): SampleTarget | undefined {
  if (isSourceNode(node) && node.type === 'entity' && node.node.sampleable) {
    return { source: node.source, entity: node.node.entity ?? node.node.id };
  }
  if (isSampleTarget(node)) return node;
  const sampleInfo = sampleOf(node);
  return sampleInfo && { source: sampleInfo.source, entity: sampleInfo.entity };
}
