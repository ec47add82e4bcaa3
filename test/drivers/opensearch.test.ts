import backend from './backends/opensearch.js';
import { conformance } from './conformance.js';

conformance(backend);
