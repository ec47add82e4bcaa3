import backend from './backends/cassandra.js';
import { conformance } from './conformance.js';

conformance(backend);
