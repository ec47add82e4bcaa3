import backend from './backends/duckdb.js';
import { conformance } from './conformance.js';

conformance(backend);
