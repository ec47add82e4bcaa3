import backend from './backends/rabbitmq.js';
import { conformance } from './conformance.js';
import { throughSsh } from './ssh.js';

conformance(throughSsh(backend));
