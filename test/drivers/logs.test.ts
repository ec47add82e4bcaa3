import backend from './backends/logs.js';
import { conformance } from './conformance.js';

conformance(backend);
