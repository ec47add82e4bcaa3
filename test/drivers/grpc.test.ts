import backend from './backends/grpc.js';
import { conformance } from './conformance.js';

conformance(backend);
