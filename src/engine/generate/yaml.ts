// YAML output with a header comment: every generated YAML file says where it came from.
import { stringify } from 'yaml';

export function yamlDocument(value: unknown, header: string[]): string {
  const comment = header.flatMap((line) => line.split('\n')).map((line) => `# ${line}`).join('\n');
  return `${comment}\n${stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
