import backend from './backends/mysql.js';
import { conformance } from './conformance.js';

conformance(backend);
