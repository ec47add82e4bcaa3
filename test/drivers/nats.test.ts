import backend from './backends/nats.js';
import { conformance } from './conformance.js';

conformance(backend);
