import backend from './backends/neo4j.js';
import { conformance } from './conformance.js';

conformance(backend);
