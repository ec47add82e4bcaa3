// `headwater`: the engine on the command line. Human tables by default, --json for machines,
// progress on stderr, exit codes 0 ok / 1 check failed / 2 usage or connection error / 130 interrupted.
// The commands are a table (commands.ts); this file parses, runs one, and reports its error.
import { resolve } from 'node:path';
import { HeadwaterError } from '../shared/errors.js';
import { Engine } from '../engine/engine.js';
import { answer } from '../engine/requests.js';
import { ENGINE_VERSION } from '../shared/version.js';
import { EXIT, type CliCommand, type CliIO, type CommandContext, type OptionValue } from './command.js';
import { COMMANDS } from './commands.js';
import { commandHelp, mainHelp } from './help.js';
import { parseInvocation, wantsJson } from './parse.js';

export { EXIT, type CliIO } from './command.js';

const processIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  },
};

export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let invocation;
  try {
    invocation = parseInvocation(argv, COMMANDS);
  } catch (error) {
    reportError(error, io, wantsJson(argv, COMMANDS));
    return EXIT.usage;
  }
  switch (invocation.kind) {
    case 'version':
      io.out(ENGINE_VERSION);
      return EXIT.ok;
    case 'help':
      io.out(invocation.command ? commandHelp(invocation.command) : mainHelp(COMMANDS));
      return invocation.requested ? EXIT.ok : EXIT.usage;
    case 'run':
      return runCommand(invocation.command, invocation.args, invocation.opts, io);
  }
}

async function runCommand(command: CliCommand, args: string[], opts: Record<string, OptionValue>, io: CliIO): Promise<number> {
  const json = opts.json === true;
  const engine = new Engine({
    workspaceDir: resolve(typeof opts.workspace === 'string' ? opts.workspace : process.cwd()),
    log: (level, message) => {
      if (level === 'warn' || level === 'error') io.err(`${level}: ${message}`);
    },
  });
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    io.err('\nStopping (what already landed is kept)... press Ctrl-C again to quit at once.');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const ctx = commandContext(engine, io, { json, quiet: opts.quiet === true, signal: controller.signal });
    const code = await command.run({ args, opts, ctx });
    // Ctrl-C is how a tail ends; anything else it cut short is interrupted, though what landed is kept.
    return controller.signal.aborted && !command.stopsOnCtrlC ? EXIT.interrupted : code;
  } catch (error) {
    reportError(error, io, json);
    return controller.signal.aborted ? EXIT.interrupted : EXIT.usage;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

/** What a command sees: the engine's requests answered in-process, and output in the chosen form. */
function commandContext(engine: Engine, io: CliIO, flags: { json: boolean; quiet: boolean; signal: AbortSignal }): CommandContext {
  return {
    engine, io, ...flags,
    print: (data, human) => io.out(flags.json ? JSON.stringify(data, null, 2) : human()),
    async call(request, params, progress) {
      const show = typeof progress === 'string' ? (message: string) => io.progress(`${progress}: ${message}`) : progress;
      const onProgress = show && !flags.quiet ? (p: { message: string }) => show(p.message) : undefined;
      try {
        return await answer(engine, request, params, { signal: flags.signal, onProgress, samplesChanged: () => undefined });
      } finally {
        if (onProgress) io.progress('');
      }
    },
  };
}

function reportError(error: unknown, io: CliIO, json: boolean): void {
  if (json) {
    const data = error instanceof HeadwaterError ? { error: error.message, ...error.data } : { error: error instanceof Error ? error.message : String(error), code: 'internal' };
    io.err(JSON.stringify(data));
    return;
  }
  if (error instanceof HeadwaterError) {
    io.err(`headwater: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
  } else {
    // A stack trace helps no user: it is printed only when HEADWATER_DEBUG is set.
    const detail = error instanceof Error ? (process.env.HEADWATER_DEBUG ? error.stack ?? error.message : error.message) : String(error);
    io.err(`headwater: unexpected internal error: ${detail}\n  hint: This is a bug in Headwater; HEADWATER_DEBUG=1 prints where it happened.`);
  }
}

// Run when executed directly (bin/headwater.js or node dist/cli.js), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/(^|[/\\])(cli\.js|headwater(\.js)?)$/.test(entry)) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
