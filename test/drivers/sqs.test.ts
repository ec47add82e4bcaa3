import backend from './backends/sqs.js';
import { conformance } from './conformance.js';

conformance(backend);
