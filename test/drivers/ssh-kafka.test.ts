import backend from './backends/kafka.js';
import { conformance } from './conformance.js';
import { throughSsh } from './ssh.js';

conformance(throughSsh(backend));
