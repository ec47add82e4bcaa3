// DuckDB result types -> unified fields, and DuckDB values -> the plain JS values drivers hand out.
import type { DuckDBType, DuckDBValueConverter } from '@duckdb/node-api';
import type { Field, FieldType } from '../../../../shared/types.js';
import type { DuckApi } from '../native.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function narrow(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

/**
 * The default JS converter with the changes the value contract needs: safe integers as numbers,
 * wide decimals as exact text, and TIME/INTERVAL/MAP/UNION/BIT as text or plain objects.
 */
export function valueConverter(api: DuckApi): DuckDBValueConverter<unknown> {
  const Id = api.DuckDBTypeId;
  const base = api.JSDuckDBValueConverter as DuckDBValueConverter<unknown>;
  const convert: DuckDBValueConverter<unknown> = (value, type, self) => {
    if (value === null || value === undefined) return null;
    switch (type.typeId) {
      case Id.BIGINT:
      case Id.UBIGINT:
      case Id.HUGEINT:
      case Id.UHUGEINT:
      case Id.BIGNUM: {
        const n = base(value, type, self);
        return typeof n === 'bigint' ? narrow(n) : n;
      }
      case Id.DECIMAL:
        // A double holds 15 significant digits exactly; wider decimals travel as text.
        return (type as { width: number }).width <= 15 ? base(value, type, self) : String(value);
      case Id.TIME:
      case Id.TIME_NS:
      case Id.TIME_TZ:
      case Id.INTERVAL:
      case Id.BIT:
      case Id.UUID:
        return String(value);
      case Id.MAP: {
        const entries = base(value, type, self) as { key: unknown; value: unknown }[];
        return Object.fromEntries(entries.map((e) => [String(e.key), e.value]));
      }
      case Id.UNION: {
        const union = base(value, type, self) as { tag: string; value: unknown };
        return union.value;
      }
      default:
        return base(value, type, self);
    }
  };
  return convert;
}

/** Leaf types whose converted JS values the landing can write back into a nested DuckDB column. */
function nestedSafe(api: DuckApi, type: DuckDBType): boolean {
  const Id = api.DuckDBTypeId;
  switch (type.typeId) {
    case Id.LIST:
    case Id.ARRAY:
      return nestedSafe(api, (type as { valueType: DuckDBType }).valueType);
    case Id.STRUCT:
      return (type as { entryTypes: readonly DuckDBType[] }).entryTypes.every((t) => nestedSafe(api, t));
    case Id.DECIMAL:
      return (type as { width: number }).width <= 15;
    case Id.BOOLEAN: case Id.TINYINT: case Id.SMALLINT: case Id.INTEGER: case Id.BIGINT:
    case Id.UTINYINT: case Id.USMALLINT: case Id.UINTEGER: case Id.UBIGINT: case Id.HUGEINT: case Id.UHUGEINT:
    case Id.FLOAT: case Id.DOUBLE: case Id.VARCHAR: case Id.BLOB: case Id.UUID: case Id.DATE:
    case Id.TIMESTAMP: case Id.TIMESTAMP_S: case Id.TIMESTAMP_MS: case Id.TIMESTAMP_NS: case Id.TIMESTAMP_TZ:
      return true;
    default:
      return false;
  }
}

/** A unified field for a DuckDB column type; `duckType` is a type string valid in CREATE TABLE. */
export function fieldForDuckType(api: DuckApi, name: string, type: DuckDBType, nullable = true): Field {
  const Id = api.DuckDBTypeId;
  const text = type.toString();
  const make = (t: FieldType, duckType: string, children?: Field[]): Field => (children ? { name, type: t, duckType, nullable, children } : { name, type: t, duckType, nullable });
  switch (type.typeId) {
    case Id.BOOLEAN:
      return make('boolean', 'BOOLEAN');
    case Id.TINYINT: case Id.SMALLINT: case Id.INTEGER: case Id.BIGINT:
    case Id.UTINYINT: case Id.USMALLINT: case Id.UINTEGER: case Id.UBIGINT: case Id.HUGEINT: case Id.UHUGEINT:
      return make('integer', text);
    case Id.BIGNUM:
      return make('integer', 'HUGEINT');
    case Id.FLOAT: case Id.DOUBLE:
      return make('float', text);
    case Id.DECIMAL:
      return make('decimal', text);
    case Id.VARCHAR:
      return type.alias === 'JSON' ? make('json', 'JSON') : make('string', 'VARCHAR');
    case Id.ENUM:
      return make('string', 'VARCHAR');
    case Id.DATE:
      return make('date', 'DATE');
    case Id.TIMESTAMP: case Id.TIMESTAMP_S: case Id.TIMESTAMP_MS: case Id.TIMESTAMP_NS:
      return make('timestamp', text);
    case Id.TIMESTAMP_TZ:
      return make('timestamptz', 'TIMESTAMPTZ');
    case Id.TIME: case Id.TIME_NS:
      return make('time', 'TIME');
    case Id.UUID:
      return make('uuid', 'UUID');
    case Id.BLOB:
    case Id.GEOMETRY:
      return make('binary', 'BLOB');
    case Id.LIST:
    case Id.ARRAY: {
      if (!nestedSafe(api, type)) return make('json', 'JSON');
      const element = fieldForDuckType(api, 'element', (type as { valueType: DuckDBType }).valueType);
      return make('list', text, [element]);
    }
    case Id.STRUCT: {
      if (!nestedSafe(api, type)) return make('json', 'JSON');
      const struct = type as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      return make('struct', text, struct.entryNames.map((n, i) => fieldForDuckType(api, n, struct.entryTypes[i]!)));
    }
    case Id.MAP:
    case Id.UNION:
    case Id.VARIANT:
      return make('json', 'JSON');
    case Id.SQLNULL:
      return make('null', 'VARCHAR');
    // TIME WITH TIME ZONE, INTERVAL, BIT, GEOMETRY...: their text form is what lands.
    default:
      return make('string', 'VARCHAR');
  }
}
