// Engine process entry: `node dist/engine.js --stdio --workspace <folder>`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from './server.js';

const { values } = parseArgs({
  options: {
    workspace: { type: 'string' },
    stdio: { type: 'boolean' },
    'node-ipc': { type: 'boolean' },
    'clientProcessId': { type: 'string' },
  },
  strict: false,
});

// stdout carries the protocol: route stray console output to stderr so it cannot corrupt it.
console.log = console.error;
console.info = console.error;

const workspace = resolve(typeof values.workspace === 'string' ? values.workspace : process.cwd());
startServer(workspace);
