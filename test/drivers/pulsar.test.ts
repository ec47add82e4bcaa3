import backend from './backends/pulsar.js';
import { conformance } from './conformance.js';

conformance(backend);
