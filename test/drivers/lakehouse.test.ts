import backend from './backends/lakehouse.js';
import { conformance } from './conformance.js';

conformance(backend);
