import backend from './backends/rabbitmq.js';
import { conformance } from './conformance.js';

conformance(backend);
