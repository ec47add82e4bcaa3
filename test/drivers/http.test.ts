import backend from './backends/http.js';
import { conformance } from './conformance.js';

conformance(backend);
