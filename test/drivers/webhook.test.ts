import backend from './backends/webhook.js';
import { conformance } from './conformance.js';

conformance(backend);
