import backend from './backends/dynamodb.js';
import { conformance } from './conformance.js';

conformance(backend);
