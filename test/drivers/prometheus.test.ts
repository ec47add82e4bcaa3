import backend from './backends/prometheus.js';
import { conformance } from './conformance.js';

conformance(backend);
