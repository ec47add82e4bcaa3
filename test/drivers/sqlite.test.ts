import backend from './backends/sqlite.js';
import { conformance } from './conformance.js';

conformance(backend);
