// YAML output with a header comment: every generated YAML file says where it came from. Values go
// through the yaml library; the header through commentLines (a name cannot end the comment).
import { Document, visit } from 'yaml';
import { commentLines } from './escape.js';

/** Line breaks in YAML 1.1 (PyYAML, so datacontract-cli) though not in 1.2, with their escapes. */
const YAML11_BREAKS: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };
const YAML11_BREAK = /[\u0085\u2028\u2029]/g;

export function yamlDocument(value: unknown, header: string[]): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  // A 1.1 reader would end a plain or block scalar (or a key) there: such strings are double-quoted,
  // so every break left in the text sits inside double quotes, where its escape means the same.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && /[\u0085\u2028\u2029]/.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const body = doc.toString({ lineWidth: 0 }).replace(YAML11_BREAK, (ch) => YAML11_BREAKS[ch]!);
  return `${commentLines('#', header)}\n${body}`;
}
