import backend from './backends/clickhouse.js';
import { conformance } from './conformance.js';

conformance(backend);
