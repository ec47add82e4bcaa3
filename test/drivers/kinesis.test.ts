import backend from './backends/kinesis.js';
import { conformance } from './conformance.js';

conformance(backend);
