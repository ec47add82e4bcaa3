import backend from './backends/mysql.js';
import { conformance } from './conformance.js';
import { throughSsh } from './ssh.js';

conformance(throughSsh(backend));
