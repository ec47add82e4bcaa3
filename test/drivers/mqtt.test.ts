import backend from './backends/mqtt.js';
import { conformance } from './conformance.js';

conformance(backend);
