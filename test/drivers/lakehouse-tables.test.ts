import { deltaBackend, icebergBackend } from './backends/lakehouse-tables.js';
import { conformance } from './conformance.js';

conformance(deltaBackend);
conformance(icebergBackend);
