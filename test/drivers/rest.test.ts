import backend from './backends/rest.js';
import { conformance } from './conformance.js';

conformance(backend);
