import backend from './backends/influxdb.js';
import { conformance } from './conformance.js';

conformance(backend);
