import backend from './backends/postgres.js';
import { conformance } from './conformance.js';

conformance(backend);
