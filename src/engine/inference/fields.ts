// Maps an inferred schema onto the shared Field list (what drivers, the landing path and the catalog
// use): struct, list, map (`key`, `value`) and union children, a duckType for each.
import type { Field } from '../../shared/types.js';
import { duckTypeOfField } from './report.js';
import type { InferredField, InferredSchema } from './types.js';

export function toFields(schema: InferredSchema): Field[] {
  return schema.fields.map(toField);
}

export function toField(inferred: InferredField): Field {
  const field: Field = { name: inferred.name, type: inferred.type, duckType: inferred.duckType, nullable: inferred.nullable };
  const children = childrenOf(inferred, inferred.type);
  if (children) field.children = children;
  return field;
}

function childrenOf(inferred: InferredField, type: InferredField['type']): Field[] | undefined {
  switch (type) {
    case 'struct':
      return inferred.fields?.map(toField);
    case 'list':
      return [inferred.element ? { ...toField(inferred.element), name: 'element' } : { name: 'element', type: 'null', duckType: 'JSON', nullable: true }];
    case 'map':
      return [
        { name: 'key', type: 'string', duckType: 'VARCHAR', nullable: false },
        inferred.value ? { ...toField(inferred.value), name: 'value' } : { name: 'value', type: 'null', duckType: 'JSON', nullable: true },
      ];
    case 'union':
      return inferred.branches?.map((branch) => {
        const child: Field = {
          name: branch.type,
          type: branch.type,
          duckType: duckTypeOfField({ type: branch.type, fields: inferred.fields, element: inferred.element, value: inferred.value, numbers: inferred.numbers }),
          nullable: false,
        };
        const nested = branch.type === 'union' ? undefined : childrenOf(inferred, branch.type);
        if (nested) child.children = nested;
        return child;
      });
    default:
      return undefined;
  }
}
