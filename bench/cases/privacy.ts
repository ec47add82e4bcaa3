// privacy: the landing path with detection and the privacy policy on (every batch scanned before it
// lands, `default: mask-detected, hash: [customer_email]`, the policy) versus the same landing
// with them off, on the same rows: the generated columns plus an email column and a free-text note
// that now and then holds one.
import { PrivacyGate } from '../../src/engine/privacy/gate.js';
import { Workspace } from '../../src/engine/workspace/workspace.js';
import type { Field, Provenance } from '../../src/shared/types.js';
import { FIELDS, row } from '../data.js';
import { ident, inspectTable } from '../duck.js';
import { side, type BenchCase, type CaseContext, type RunContext } from '../harness.js';

const BATCH_ROWS = 5_000;

const PRIVACY_FIELDS: Field[] = [
  ...FIELDS,
  { name: 'customer_email', type: 'string', duckType: 'VARCHAR', nullable: false },
  { name: 'note', type: 'string', duckType: 'VARCHAR', nullable: false },
];

interface Batch {
  rows: unknown[][];
  provenance: Provenance[];
}

function batches(ctx: CaseContext): Batch[] {
  const out: Batch[] = [];
  for (let start = 0; start < ctx.rows; start += BATCH_ROWS) {
    const end = Math.min(ctx.rows, start + BATCH_ROWS);
    const rows: unknown[][] = [];
    const provenance: Provenance[] = [];
    for (let i = start; i < end; i++) {
      rows.push([...row(i), `user${i % 10_000}@example.com`, i % 25 === 0 ? `call back, write to user${i}@example.com` : `order ${i} shipped on time`]);
      provenance.push({ line: i + 1 });
    }
    out.push({ rows, provenance });
  }
  return out;
}

/** Lands the batches as landBatches does: scanned, the writer evolved when a column's action changes, transformed, appended. */
async function land(ctx: RunContext, input: Batch[], privacy: PrivacyGate | undefined): Promise<{ databasePath: string; table: string }> {
  const workspace = await Workspace.open(ctx.runDir);
  try {
    privacy?.start(PRIVACY_FIELDS);
    const fields = privacy ? privacy.landedFields(PRIVACY_FIELDS) : PRIVACY_FIELDS;
    const { id, writer } = await workspace.beginSample({
      source: 'bench', sourceKind: 'bench', entity: 'generated', method: 'snapshot', strategy: 'full', query: `${ctx.rows} generated rows`, fields,
    });
    const names = PRIVACY_FIELDS.map((f) => f.name);
    for (const batch of input) {
      let rows = batch.rows;
      if (privacy) {
        if (privacy.scan(names, rows, batch.provenance)) await writer.evolve(privacy.landedFields(writer.schema));
        rows = privacy.apply(names, rows);
      }
      writer.append(rows, batch.provenance, new Date());
    }
    writer.close();
    await workspace.finishSample(id, { status: 'complete', rowCount: writer.rowCount, bytes: 0, rejected: 0, fields: writer.schema, ...(privacy ? { privacy: privacy.result() } : {}) });
    return { databasePath: workspace.databasePath, table: `samples.${ident(id)}` };
  } finally {
    workspace.close();
  }
}

const inspect = (ctx: RunContext, out: { databasePath: string; table: string }) => inspectTable(out.databasePath, ctx.runDir, out.table);

export const privacy: BenchCase = {
  name: 'privacy',
  title: 'Landing 5k-row batches with detection + policy (mask-detected, hash [customer_email]) vs the same landing with both off',
  notes: [
    'Rows are built in JS before the clock starts on both sides; both sides open a fresh workspace, land, record the sample and close.',
    'The subject scans every value of every batch before it lands, hashes the customer_email column (HMAC-SHA256) and masks the emails inside the note column (mask-detected).',
    'The rule names the column (customer_email), not the class: `hash: [email]` would name the class too and hash every note that holds one whole.',
    'The fingerprint covers the generated columns (id, amount, name, at, meta): both sides must land them identically.',
  ],
  // The rows are built in JS by each side's untimed prepare: nothing to write beforehand.
  setup: async () => undefined,
  subject: side({
    label: 'detection + privacy policy',
    prepare: async (ctx) => batches(ctx),
    run: (ctx, input: Batch[]) => land(ctx, input, new PrivacyGate({ source: 'bench', own: { default: 'mask-detected', hash: ['customer_email'] } }, 'bench-key')),
    inspect,
  }),
  reference: side({
    label: 'privacy off',
    prepare: async (ctx) => batches(ctx),
    run: (ctx, input: Batch[]) => land(ctx, input, undefined),
    // Also a Headwater table: the comparison leaves out the subject's provenance columns only.
    inspect: async (ctx, out: { databasePath: string; table: string }) => {
      const inspection = await inspect(ctx, out);
      return { ...inspection, columns: inspection.columns.filter((c) => !c.name.startsWith('_hw_')) };
    },
  }),
};
