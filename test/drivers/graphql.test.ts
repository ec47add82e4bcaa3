import backend from './backends/graphql.js';
import { conformance } from './conformance.js';

conformance(backend);
