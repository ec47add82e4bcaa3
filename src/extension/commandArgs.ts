// The shapes a command's argument comes in: a tree node, a SampleInfo, or a plain object when a
// command is called programmatically (tests, other commands).
import type { SampleInfo, SampleStrategy } from '../shared/types.js';
import type { SampleTreeNode, SourceTreeNode } from './trees.js';

export interface SampleTarget { source: string; entity: string; limit?: number; strategy?: SampleStrategy; confirmFull?: boolean }

function isSourceNode(value: unknown): value is SourceTreeNode {
  const type = (value as { type?: unknown } | undefined)?.type;
  return type === 'source' || type === 'entity' || type === 'error';
}
function isSampleNode(value: unknown): value is SampleTreeNode {
  return (value as { type?: unknown } | undefined)?.type === 'sample';
}
function isSampleInfo(value: unknown): value is SampleInfo {
  const candidate = value as Partial<SampleInfo> | undefined;
  return typeof candidate?.id === 'string' && typeof candidate.table === 'string' && typeof candidate.schema === 'object';
}
export function sampleOf(value: unknown): SampleInfo | undefined {
  if (isSampleNode(value)) return value.sample;
  return isSampleInfo(value) ? value : undefined;
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
