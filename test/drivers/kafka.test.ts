import backend from './backends/kafka.js';
import { conformance } from './conformance.js';

conformance(backend);
