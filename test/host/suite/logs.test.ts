// A log folder as a source in a real extension host: the Sources tree lists its logs with their
// detected formats, and Sample, Profile and Generate work on a log like on any other source.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { HeadwaterApi } from '../../../src/shared/api.js';
import type { Profile } from '../../../src/shared/profile.js';
import { Requests } from '../../../src/shared/protocol.js';
import type { SampleInfo } from '../../../src/shared/types.js';

interface TreeChild { id: string; label: string; contextValue?: string; expandable: boolean; description?: string }

const treeChildren = (id?: string) => vscode.commands.executeCommand<TreeChild[]>('headwater._test.treeChildren', 'sources', id);

suite('Logs as a source', () => {
  let api: HeadwaterApi;
  let sample: SampleInfo;

  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension<HeadwaterApi>('headwater.headwater');
    assert.ok(extension);
    api = await extension.activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'a workspace folder is open');
    const logs = join(folder, 'host-logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, 'app.log'), [
      '2026-03-01 12:00:00,123 [main] INFO  com.shop.Checkout - started',
      '2026-03-01 12:00:01,500 [http-1] ERROR com.shop.Payments - payment failed',
      'java.lang.IllegalStateException: gateway down',
      '\tat com.shop.Payments.charge(Payments.java:42)',
      '#### corrupted ####',
      '2026-03-01T10:00:02Z WARN com.shop.Stock - low stock',
      '',
    ].join('\n'));
    writeFileSync(join(logs, 'access.log'), '10.0.0.1 - bob [01/Mar/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8.5.0"\n');
    appendFileSync(join(folder, '.headwater', 'sources.yaml'), '  - name: hostlogs\n    kind: logs\n    path: host-logs\n');
    await vscode.commands.executeCommand('headwater.refresh');
  });

  test('the Sources tree shows the log source and its logs with their formats', async () => {
    const roots = await treeChildren();
    const root = roots.find((r) => r.label === 'hostlogs');
    assert.ok(root, `roots ${roots.map((r) => r.label).join(', ')} include hostlogs`);
    const children = await treeChildren(root.id);
    assert.deepEqual(children.map((c) => [c.label, c.contextValue]), [['access.log', 'sampleable'], ['app.log', 'sampleable']]);
  });

  test('Sample, Profile and Generate work on a log', async () => {
    const info = await vscode.commands.executeCommand<SampleInfo | undefined>('headwater.sample', { source: 'hostlogs', entity: 'app.log', limit: 100 });
    assert.ok(info);
    sample = info;
    assert.equal(sample.status, 'complete');
    assert.equal(sample.rowCount, 4, 'three records (one with its stack trace) and the malformed line kept raw');
    assert.equal(sample.rejected, 1);
    const page = await api.request(Requests.rows, { sampleId: sample.id, offset: 0, limit: 10 });
    const at = (name: string) => page.columns.findIndex((c) => c.name === name);
    assert.deepEqual(page.rows.map((r) => r[at('level')]), ['info', 'error', null, 'warn']);
    assert.equal(page.rows[3]![at('time')] !== null, true);

    const profile = await vscode.commands.executeCommand<Profile | undefined>('headwater.profile', { sampleId: sample.id });
    assert.ok(profile);
    assert.equal(profile.rows, 4);
    assert.ok(profile.fields.some((f) => f.path === 'level'));

    const generated = await api.request(Requests.generate, { kind: 'jsonschema', sampleId: sample.id, force: true });
    assert.equal(generated.files.length, 1);
    assert.match(generated.files[0]!.relativePath, /\.schema\.json$/);
  });
});
