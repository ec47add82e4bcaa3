import backend from './backends/redis.js';
import { conformance } from './conformance.js';

conformance(backend);
