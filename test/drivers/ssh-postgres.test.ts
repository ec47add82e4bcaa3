import backend from './backends/postgres.js';
import { conformance } from './conformance.js';
import { throughSsh } from './ssh.js';

conformance(throughSsh(backend));
