import backend from './backends/file.js';
import { conformance } from './conformance.js';

conformance(backend);
