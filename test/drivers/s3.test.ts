import backend from './backends/s3.js';
import { conformance } from './conformance.js';

conformance(backend);
