// MySQL/MariaDB change data capture: readiness report and row-binlog capture (loaded lazily by src/engine/cdc).
import type { CdcConnector } from '../../cdc/capture.js';
import { captureMysql } from './cdc-capture.js';
import { myCdcReadiness } from './cdc-readiness.js';

export const connector: CdcConnector = { readiness: myCdcReadiness, capture: captureMysql };
