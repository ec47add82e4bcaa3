import backend from './backends/mongodb.js';
import { conformance } from './conformance.js';

conformance(backend);
