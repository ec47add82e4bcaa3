// Samples of a class's instances: pages of subjects in subject order (a subquery with ORDER BY ?s
// LIMIT/OFFSET) with every triple of each subject, landed wide or as triples (rows.ts). head reads
// pages from the start, full all of them (after the count is confirmed), random pages at seeded
// random offsets; --where narrows the subjects (a checked group pattern). Only SELECT is sent.
import { HeadwaterError } from '../../../shared/errors.js';
import type { DriverContext, DriverSampleOptions, RecordBatch, ResolvedSource, SampleStream } from '../driver.js';
import { batchStream } from '../kit/batch-stream.js';
import { checkFullRead } from '../kit/relational/guard.js';
import { seededRandom } from '../kit/seeded.js';
import { classCount } from './catalog.js';
import { endpointOf, select } from './client.js';
import { iriRef, parseEntity, type ClassEntity } from './entity.js';
import { bySubject, TRIPLE_FIELDS, tripleBatch, WideShaper } from './rows.js';
import { checkedSparqlPattern } from './where.js';

export function unknownClass(source: ResolvedSource, entity: string, why: string): HeadwaterError {
  return new HeadwaterError('not_found', `SPARQL source '${source.name}': no entity '${entity}' (${why}).`, {
    source: source.name, entity, hint: 'Entities are class IRIs (browse lists them), or triples:<class IRI> for one row per triple.',
  });
}

export function pageQuery(entity: ClassEntity, where: string | undefined, limit: number, offset: number): string {
  return `SELECT ?s ?p ?o WHERE { { SELECT DISTINCT ?s WHERE { ?s a ${iriRef(entity.classIri)} .${where ? ` ${where}` : ''} } ORDER BY ?s LIMIT ${limit} OFFSET ${offset} } ?s ?p ?o } ORDER BY ?s`;
}

interface Page {
  offset: number;
  size: number;
}

function pagesOf(options: DriverSampleOptions, total: number | undefined, pageSize: number, runs: number): { pages: () => Page | undefined; about: string } {
  if (options.strategy === 'random') {
    const count = Math.max(1, Math.min(runs, options.limit));
    const size = Math.max(1, Math.min(pageSize, Math.ceil(options.limit / count)));
    const seed = Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const span = Math.max(0, (total ?? 0) - size);
    const offsets = [...new Set(Array.from({ length: count }, () => Math.floor(random() * (span + 1))))].sort((a, b) => a - b);
    let i = 0;
    return { pages: () => (i < offsets.length ? { offset: offsets[i++]!, size } : undefined), about: `${offsets.length} pages of ${size} at seeded random offsets (${offsets.join(', ')}; seed ${seed}) of ${total} instances` };
  }
  let offset = 0;
  const want = options.strategy === 'full' ? Number.POSITIVE_INFINITY : options.limit;
  return {
    pages: () => {
      if (offset >= want) return undefined;
      // The first page is small, so rows land at once.
      const page = { offset, size: Math.min(offset === 0 ? Math.min(pageSize, 20) : pageSize, want - offset) };
      offset += page.size;
      return page;
    },
    about: `pages of ${pageSize} instances from offset 0`,
  };
}

export async function sampleSparql(source: ResolvedSource, entity: string, options: DriverSampleOptions, ctx: DriverContext): Promise<SampleStream> {
  const parsed = parseEntity(entity);
  if (!parsed) throw unknownClass(source, entity, 'not an absolute IRI');
  const at = { source: source.name, entity };
  const where = options.where !== undefined ? checkedSparqlPattern(options.where, at) : undefined;
  if (where !== undefined && options.strategy === 'random') {
    throw new HeadwaterError('usage', `Source '${source.name}', entity '${entity}': --where cannot be combined with --strategy random (offsets are drawn over the whole class); take a head sample with --where.`, at);
  }
  // Bytes are counted per page as it lands (RecordBatch.bytes), not as the answer streams in: a byte
  // budget then stops the read between pages, keeping the pages read (maxResponseBytes bounds one).
  const { countBytes: _streamed, ...pageCtx } = ctx;
  const endpoint = endpointOf(source, pageCtx);
  const total = options.strategy === 'head' ? undefined : await classCount(endpoint, parsed.classIri);
  if (total !== undefined) checkFullRead(source, entity, { rows: total }, options, { confirmFullRows: endpoint.settings.confirmFullRows, confirmFullBytes: Number.MAX_SAFE_INTEGER });
  const { pages, about } = pagesOf(options, total, endpoint.settings.pageSize, endpoint.settings.randomRanges);
  const wide = parsed.triples ? undefined : new WideShaper();
  let done = false;
  const pull = async (): Promise<RecordBatch | undefined> => {
    while (!done && !ctx.signal.aborted) {
      const page = pages();
      if (!page) return undefined;
      let bindings;
      try {
        ({ bindings } = await select(endpoint, pageQuery(parsed, where, page.size, page.offset), `instances ${page.offset + 1}-${page.offset + page.size} of ${parsed.classIri}`));
      } catch (error) {
        // A request cut by the stop ends the read; the pages before it stay.
        if (ctx.signal.aborted) return undefined;
        throw error;
      }
      const subjects = bySubject(bindings);
      if (subjects.size < page.size && options.strategy !== 'random') done = true;
      if (subjects.size) return wide ? wide.batch(subjects, page.offset) : tripleBatch(subjects, page.offset);
    }
    return undefined;
  };
  const first = await pull();
  if (!first && !ctx.signal.aborted && (await classCount(endpoint, parsed.classIri)) === 0) throw unknownClass(source, entity, 'the endpoint has no instance of this class');
  if (first?.fields) delete first.fields;
  const fields = wide ? wide.fields.map((f) => ({ ...f })) : TRIPLE_FIELDS;
  const limit = options.strategy === 'full' ? undefined : options.limit;
  const batches = batchStream(first, pull, { signal: ctx.signal, limit, close: () => undefined });
  return { fields, method: 'page range', query: `${pageQuery(parsed, where, endpoint.settings.pageSize, 0).replace('OFFSET 0', 'OFFSET $offset')}: ${about}`, batches, notes: [`SELECT only, server timeout asked ${endpoint.settings.queryTimeoutMs} ms`] };
}
