// The CLI's command table against the typed requests: every command drives a request of
// src/shared/protocol.ts (or says why it is CLI-only), every request the extension sends has a CLI
// command (or is on the commented extension-only list), and the engine answers every request through
// one table. Then the option parser, table-driven, with the near misses that must still pass.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Requests } from '../../src/shared/protocol.js';
import { engineRequests } from '../../src/engine/requests.js';
import { MAX_LIMIT, MAX_SECONDS } from '../../src/engine/sampling/run.js';
import { COMMANDS, EXTENSION_ONLY } from '../../src/cli/commands.js';
import { command, EXIT, type CliCommand } from '../../src/cli/command.js';
import { commandHelp, mainHelp, wrap } from '../../src/cli/help.js';
import { closest } from '../../src/cli/options.js';
import { parseInvocation } from '../../src/cli/parse.js';
import { runCli } from '../../src/cli/main.js';

const REQUESTS = Object.keys(Requests);

/** Every `Requests.<name>` the extension's sources mention. */
function extensionRequests(): Set<string> {
  const used = new Set<string>();
  const dir = join('src', 'extension');
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/\bRequests\.(\w+)/g)) used.add(match[1]!);
  }
  return used;
}

/** The requests a CLI command makes. */
function driven(commands: readonly CliCommand[]): Set<string> {
  return new Set(commands.flatMap((c) => [...(c.request ? [c.request] : []), ...(c.also ?? [])]));
}

describe('the CLI command table and the typed requests', { timeout: 30_000 }, () => {
  test('every command drives a request of protocol.ts, or is CLI-only with a reason', () => {
    for (const c of COMMANDS) {
      if (c.request === null) {
        assert.ok(c.cliOnly && c.cliOnly.length > 20, `${c.name}: a CLI-only command says why`);
      } else {
        assert.ok(REQUESTS.includes(c.request), `${c.name}: '${c.request}' is not a request in protocol.ts`);
        assert.equal(c.cliOnly, undefined, `${c.name} drives a request, so it is not CLI-only`);
      }
      for (const other of c.also ?? []) assert.ok(REQUESTS.includes(other), `${c.name}: '${other}' is not a request in protocol.ts`);
    }
    assert.deepEqual(COMMANDS.filter((c) => c.request === null).map((c) => c.name), ['check']);
  });

  test('every request the extension sends has a CLI command or is on the extension-only list, and that list is current', () => {
    const used = extensionRequests();
    assert.ok(used.size >= 15, `found ${used.size} requests in src/extension: the scan is broken`);
    const cli = driven(COMMANDS);
    const missing = [...used].filter((r) => !cli.has(r) && !(r in EXTENSION_ONLY));
    assert.deepEqual(missing, [], 'add a CLI command for these, or list them (with why) in EXTENSION_ONLY');
    for (const [request, why] of Object.entries(EXTENSION_ONLY)) {
      assert.ok(REQUESTS.includes(request), `EXTENSION_ONLY.${request} is not a request`);
      assert.ok(used.has(request), `EXTENSION_ONLY.${request}: the extension no longer sends it`);
      assert.ok(!cli.has(request), `EXTENSION_ONLY.${request}: a CLI command drives it now`);
      assert.ok(why && why.length > 20, `EXTENSION_ONLY.${request} says why`);
    }
  });

  test('the engine answers every request but resolveSecrets (which it sends) through its table', () => {
    assert.deepEqual(Object.keys(engineRequests).sort(), REQUESTS.filter((r) => r !== 'resolveSecrets').sort());
  });

  test('command names are unique and the help lists each command, and each option of each command', () => {
    const names = COMMANDS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    const main = mainHelp(COMMANDS);
    for (const c of COMMANDS) {
      assert.match(main, new RegExp(`^ {2}${c.name}\\b`, 'm'), `${c.name} is in headwater --help`);
      const help = commandHelp(c);
      assert.ok(help.startsWith(`Usage: headwater ${c.name}`), help);
      for (const [name, spec] of Object.entries(c.options)) {
        assert.match(help, new RegExp(`^ {2}--${name}\\b`, 'm'), `${c.name} --${name} is in its help`);
        assert.ok(spec.description.length > 5, `${c.name} --${name} has a description`);
        if (spec.values) assert.equal(spec.type, 'string', `${c.name} --${name}: allowed values are for string options`);
      }
    }
    assert.match(commandHelp(COMMANDS.find((c) => c.name === 'sample')!), /--limit N\s+rows to take \(default 10000; whole number up to 1,000,000,000\)/);
  });

  test('help text wraps at word boundaries', () => {
    assert.deepEqual(wrap('aa bb cc dd', 5), ['aa bb', 'cc dd']);
    assert.deepEqual(wrap('a-very-long-word x', 5), ['a-very-long-word', 'x']);
    assert.deepEqual(wrap('aa bb', 5), ['aa bb']);
  });
});

describe('option parsing against the declarations', { timeout: 30_000 }, () => {
  const run = (argv: string) => parseInvocation(argv.split(' ').filter(Boolean), COMMANDS);
  const opts = (argv: string) => {
    const invocation = run(argv);
    assert.equal(invocation.kind, 'run');
    return invocation.kind === 'run' ? invocation.opts : {};
  };

  const refused: [argv: string, message: string | RegExp][] = [
    ['smaple shop orders', "Unknown command 'smaple'. Did you mean 'sample'?"],
    ['help smaple', "Unknown command 'smaple'. Did you mean 'sample'?"],
    ['frobnicate', "Unknown command 'frobnicate'."],
    ['sample shop orders --limt 5', "Unknown option '--limt' for 'sample'. Did you mean --limit?"],
    ['sample shop orders --stratgy head', "Unknown option '--stratgy' for 'sample'. Did you mean --strategy?"],
    ['sample shop orders --max-sec 5', "Unknown option '--max-sec' for 'sample'. Did you mean --max-seconds?"],
    ['sample shop orders --bogus', "Unknown option '--bogus' for 'sample'."],
    ['sample shop orders -x', "Unknown option '-x' for 'sample'."],
    ['sources --limit 5', "--limit is not an option of 'sources'; it belongs to 'sample', 'tail', 'webhook' and 'check'."],
    ['check c.odcs.yaml --cursor id', "--cursor is not an option of 'check'; it belongs to 'sample'."],
    ['sample shop orders --limit 1e99', "--limit must be a whole number from 1 to 1,000,000,000 (got '1e99')."],
    ['sample shop orders --limit 2.5', "--limit must be a whole number from 1 to 1,000,000,000 (got '2.5')."],
    ['sample shop orders --limit 0', "--limit must be a whole number from 1 to 1,000,000,000 (got '0')."],
    ['sample shop orders --limit 0x10', "--limit must be a whole number from 1 to 1,000,000,000 (got '0x10')."],
    ['sample shop orders --limit many', "--limit must be a whole number from 1 to 1,000,000,000 (got 'many')."],
    ['sample shop orders --limit 1000000001', "--limit must be a whole number from 1 to 1,000,000,000 (got '1000000001')."],
    ['sample shop orders --limit=', "--limit must be a whole number from 1 to 1,000,000,000 (got '')."],
    ['sample shop orders --limit=-5', "--limit must be a whole number from 1 to 1,000,000,000 (got '-5')."],
    ['sample shop orders --max-bytes 9007199254740993', "--max-bytes must be a whole number from 1 to 9,007,199,254,740,991 (got '9007199254740993')."],
    ['sample shop orders --max-seconds 1e99', "--max-seconds must be a number of seconds above 0 and at most 604,800 (a week) (got '1e99')."],
    ['sample shop orders --max-seconds 604801', "--max-seconds must be a number of seconds above 0 and at most 604,800 (a week) (got '604801')."],
    ['sample shop orders --max-seconds 0', "--max-seconds must be a number of seconds above 0 and at most 604,800 (a week) (got '0')."],
    ['sample shop orders --window soon', "--window must be a number of seconds above 0 and at most 604,800 (a week) (got 'soon')."],
    ['capture app t --seconds Infinity', "--seconds must be a number of seconds above 0 and at most 604,800 (a week) (got 'Infinity')."],
    ['webhook hook --port 65536', "--port must be a whole number from 1 to 65,535 (got '65536')."],
    ['sample shop orders --strategy rnd', "--strategy must be head, random, full or incremental (got 'rnd')."],
    ['check c.odcs.yaml --strategy incremental', "--strategy must be head, random or full (got 'incremental')."],
    ['webhook hook --secret-scheme gitlab', "--secret-scheme must be github, stripe or hmac (got 'gitlab')."],
    ['sample shop orders --yes=no', "--yes takes no value (got '--yes=no')."],
    ['sample shop orders --cursor', '--cursor needs a value: --cursor COL.'],
    ['sample shop orders --limit --json', "--limit needs a value: --limit N ('--json' is taken for an option; write --limit=--json if it is the value)."],
    ['sample shop', 'sample needs a source and an entity: headwater sample <source> <entity> [options]'],
    ['sample shop orders extra', "sample takes at most 2 arguments; 'extra' is one too many: headwater sample <source> <entity> [options]"],
    ['samples delete a b c', "samples takes at most 3 arguments; 'c' is one too many: headwater samples [delete <id> | rename <id> <label>]"],
    ['simulate --sample s1', 'simulate needs --key F and --partitions N: headwater simulate --sample ID --key F --partitions N [options]'],
    ['simulate --sample s1 --key k --partitions 0', "--partitions must be a whole number from 1 to 9,007,199,254,740,991 (got '0')."],
    ['query', 'query needs SQL: headwater query "<sql>" [options]'],
    ['cdc', 'cdc needs a source: headwater cdc <source> [table...]'],
  ];
  for (const [argv, message] of refused) {
    test(`refused: headwater ${argv}`, () => {
      assert.throws(() => run(argv), (error: Error & { code?: string; hint?: string }) => {
        if (typeof message === 'string') assert.equal(error.message, message);
        else assert.match(error.message, message);
        assert.equal(error.code, 'usage');
        assert.match(error.hint ?? '', /^Run 'headwater (help \w+|--help)/);
        return true;
      });
    });
  }

  const accepted: [argv: string, expected: Record<string, unknown>][] = [
    ['sample shop orders --limit 1', { limit: 1 }],
    ['sample shop orders --limit 1e1', { limit: 10 }],
    ['sample shop orders --limit 1000000000', { limit: MAX_LIMIT }],
    ['sample shop orders --limit=25 --strategy=incremental', { limit: 25, strategy: 'incremental' }],
    ['sample shop orders --max-seconds 0.5', { 'max-seconds': 0.5 }],
    ['sample shop orders --max-seconds 0.5e1', { 'max-seconds': 5 }],
    ['sample shop orders --max-seconds 604800', { 'max-seconds': MAX_SECONDS }],
    ['sample shop orders --from=-1 --to last', { from: '-1', to: 'last' }],
    ['sample shop orders --yes --allow-scan --primary', { yes: true, 'allow-scan': true, primary: true }],
    ['sample shop orders --entity-type ORDER', { 'entity-type': 'ORDER' }],
    ['sample shop orders --limit 5 --limit 7', { limit: 7 }],
    ['sample shop orders --json --quiet --workspace /tmp/w', { json: true, quiet: true, workspace: '/tmp/w' }],
    ['check c.odcs.yaml --strategy random --strict --server prod', { strategy: 'random', strict: true, server: 'prod' }],
    ['webhook hook --port 65535 --secret-scheme stripe', { port: 65_535, 'secret-scheme': 'stripe' }],
    ['simulate --sample s1 --key k --partitions 6', { sample: 's1', key: 'k', partitions: 6 }],
    ['diff a b --fail-on-drift', { 'fail-on-drift': true }],
  ];
  for (const [argv, expected] of accepted) {
    test(`accepted: headwater ${argv}`, () => assert.deepEqual(opts(argv), expected));
  }

  test('arguments are counted per command; a query is its words', () => {
    const query = run('query select 1 as n --max-rows 3');
    assert.ok(query.kind === 'run');
    assert.deepEqual(query.args, ['select', '1', 'as', 'n']);
    assert.deepEqual(query.opts, { 'max-rows': 3 });
    const browse = run('browse shop main orders');
    assert.ok(browse.kind === 'run' && browse.args.length === 3);
  });

  test('help and version come before any check of the rest', () => {
    assert.deepEqual(run('--version sample --limt 5'), { kind: 'version' });
    const help = run('sample --limt 5 --help');
    assert.ok(help.kind === 'help' && help.command?.name === 'sample' && help.requested);
    const short = run('generate -h');
    assert.ok(short.kind === 'help' && short.command?.name === 'generate');
    assert.deepEqual(run('help'), { kind: 'help', command: undefined, requested: true });
    assert.deepEqual(run(''), { kind: 'help', requested: false });
  });

  test('a list option takes repeats and commas; an empty one is refused', () => {
    const tables = command({
      name: 'tables', usage: '', args: { min: 0, max: 0 }, summary: 'a command for this test', request: 'samples',
      options: { table: { type: 'list', description: 'tables to read' } },
      run: async () => EXIT.ok,
    });
    const parse = (argv: string[]) => parseInvocation(argv, [tables]);
    assert.deepEqual(parse(['tables', '--table', 'a,b', '--table', ' c ']), { kind: 'run', command: tables, args: [], opts: { table: ['a', 'b', 'c'] } });
    assert.throws(() => parse(['tables', '--table', ' , ']), /--table needs at least one value \(got ' , '\)/);
  });

  test('the closest name is suggested only when it is close', () => {
    const cases: [string, string[], string | undefined][] = [
      ['limt', ['limit', 'strategy'], 'limit'],
      ['lmit', ['limit'], 'limit'],
      ['smaple', ['sample', 'samples', 'simulate'], 'sample'],
      ['max', ['max-seconds', 'max-bytes'], 'max-seconds'],
      ['zzz', ['limit', 'strategy'], undefined],
      ['x', ['limit', 'key'], undefined],
      ['kye', ['key'], 'key'],
      ['yek', ['key'], undefined],
      ['json', ['jsn', 'json'], 'json'],
    ];
    for (const [word, candidates, expected] of cases) assert.equal(closest(word, candidates), expected, word);
  });
});

describe('runCli: help, usage errors and their exit codes', { timeout: 30_000 }, () => {
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), progress: () => undefined });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('headwater help <command> and headwater <command> --help print the same help, exit 0', async () => {
    const a = await cli('help', 'tail');
    const b = await cli('tail', '--help');
    assert.equal(a.code, 0);
    assert.equal(a.out, b.out);
    assert.match(a.out, /^Usage: headwater tail <source> <entity> \[options\]/);
    assert.match(a.out, /--max-seconds S\s+stop after S seconds \(seconds, at most a week\)/);
  });

  test('no command prints the command list and exits 2; --help exits 0', async () => {
    const none = await cli();
    assert.equal(none.code, EXIT.usage);
    assert.match(none.out, /^Commands:$/m);
    assert.equal((await cli('--help')).code, EXIT.ok);
  });

  test('a usage error names the fix in the hint, and is JSON with --json', async () => {
    const plain = await cli('sample', 'shop', 'orders', '--limt', '5');
    assert.equal(plain.code, EXIT.usage);
    assert.equal(plain.err, "headwater: Unknown option '--limt' for 'sample'. Did you mean --limit?\n  hint: Run 'headwater help sample' for its options.");
    const json = await cli('sample', 'shop', 'orders', '--limit', '2.5', '--json');
    assert.equal(json.code, EXIT.usage);
    assert.deepEqual(JSON.parse(json.err), { error: "--limit must be a whole number from 1 to 1,000,000,000 (got '2.5').", code: 'usage', hint: "Run 'headwater help sample' for its options." });
  });
});
