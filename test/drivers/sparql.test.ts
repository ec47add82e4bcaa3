import backend from './backends/sparql.js';
import { conformance } from './conformance.js';

conformance(backend);
