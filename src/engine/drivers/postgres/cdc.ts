// PostgreSQL change data capture: readiness report and temporary-slot capture (loaded lazily by src/engine/cdc).
import type { CdcConnector } from '../../cdc/capture.js';
import { capturePostgres } from './cdc-capture.js';
import { pgCdcReadiness } from './cdc-readiness.js';

export const connector: CdcConnector = { readiness: pgCdcReadiness, capture: capturePostgres };
