import backend from './backends/mqtt.js';
import { conformance } from './conformance.js';
import { throughSsh } from './ssh.js';

conformance(throughSsh(backend));
