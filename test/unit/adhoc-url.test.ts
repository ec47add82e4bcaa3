// `headwater sample "<url with a token>"`: the token is used for the request, and redacted everywhere
// the URL is kept or shown (CLI output, the catalog, `samples --json`, the download cache, generated
// files and their names, error messages). Runs the CLI in-process against a loopback server.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import type { SampleInfo } from '../../src/shared/types.js';
import { listen, type Listener } from '../fixtures/http/listeners.js';

const TOKEN = 'adhoc-T0KEN-Zz81x';
const KEY = 'adhoc-K3Y-Qq72y';
const PASSWORD = 'adhoc-passw0rd-Ww63z';
const SECRETS = [TOKEN, KEY, PASSWORD];

/** Every file under `dir`: its path (names matter too) and its text. */
function everyFile(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isFile() ? [path, readFileSync(path).toString('latin1')] : [path];
  });
}

describe('ad-hoc URL sources keep their credentials out of everything stored or shown', { timeout: 60_000 }, () => {
  let server: Listener;
  let dir: string;
  const out: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text), progress: (text: string) => out.push(text) };
  const cli = (...args: string[]) => runCli([...args, '--workspace', dir], io);

  before(async () => {
    server = await listen((req, res) => {
      if (!req.url?.startsWith('/exports/prices.csv')) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-type': 'text/csv', etag: '"p1"' });
      res.end('id,price\n1,9.5\n2,10\n');
    });
    dir = mkdtempSync(join(tmpdir(), 'hw-adhoc-'));
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('sample, samples --json, the cache and generated contracts carry no secret; the request did', async () => {
    const url = `${server.url}/exports/prices.csv?token=${TOKEN}&region=eu&api_key=${KEY}`;
    assert.equal(await cli('sample', url, 'prices.csv', '--json', '--quiet'), 0, out.join('\n'));
    const info = JSON.parse(out.at(-1)!) as SampleInfo;
    assert.equal(info.rowCount, 2);
    assert.equal(info.source, `${server.url}/exports/prices.csv?token=***&region=eu&api_key=***`);
    assert.equal(server.seen.at(-1)!.path, `/exports/prices.csv?token=${TOKEN}&region=eu&api_key=${KEY}`, 'the real values were used for the request');

    assert.equal(await cli('sample', url, 'prices.csv'), 0);
    assert.ok(out.some((line) => line.startsWith('sampling ') && line.includes('token=***')), 'the progress line names the redacted URL');
    assert.equal(await cli('samples', '--json'), 0);
    assert.equal(await cli('query', `SELECT * FROM samples.${info.id}`, '--json'), 0);
    assert.equal(await cli('generate', 'all', '--sample', info.id, '--out', join(dir, 'generated')), 0, out.join('\n'));
    // A failing request names the URL, redacted.
    assert.notEqual(await cli('sample', url.replace('prices.csv', 'missing.csv'), 'missing.csv'), 0);
    assert.match(out.at(-1)!, /missing\.csv\?token=\*\*\*&region=eu&api_key=\*\*\* was not found \(HTTP 404\)/);

    const generated = readdirSync(join(dir, 'generated'), { recursive: true, encoding: 'utf8' });
    assert.ok(generated.some((name) => name.endsWith('.odcs.yaml')), generated.join(', '));
    const texts = [...out, ...everyFile(join(dir, '.headwater')), ...everyFile(join(dir, 'generated'))];
    for (const text of texts) for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} found in ${text.slice(0, 300)}`);
  });

  test('a password in the URL is sent as basic auth to that origin and kept out of the name', async () => {
    const port = new URL(server.url).port;
    const url = `http://reader:${PASSWORD}@127.0.0.1:${port}/exports/prices.csv`;
    assert.equal(await cli('sample', url, 'prices.csv', '--json', '--quiet'), 0, out.join('\n'));
    const info = JSON.parse(out.at(-1)!) as SampleInfo;
    assert.equal(info.source, `http://reader@127.0.0.1:${port}/exports/prices.csv`);
    assert.equal(server.seen.at(-1)!.headers.authorization, `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`);
    for (const text of [...out, ...everyFile(join(dir, '.headwater'))]) assert.ok(!text.includes(PASSWORD), `the password found in ${text.slice(0, 300)}`);
  });
});
