// Qualified relation names as the relational drivers write entities (`schema.table`, parts quoted
// with `"` or a backtick where they need it), read back the same way wherever an entity is parsed.

/** `a.b` / `"a"."b.c"` / `` `a`.`b` `` into its parts, honouring the quote character given. */
export function splitQualified(name: string, quote: '"' | '`'): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (quoted) {
      if (ch === quote) {
        if (name[i + 1] === quote) {
          current += quote;
          i++;
        } else quoted = false;
      } else current += ch;
    } else if (ch === quote) {
      quoted = true;
      wasQuoted = true;
    } else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  if (!wasQuoted && parts.some((p) => p === '')) return [name];
  return parts;
}

/** A qualified name as a person would type it in messages: quotes only around parts that need them. */
export function displayQualified(parts: string[], quote: '"' | '`'): string {
  return parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `${quote}${p.replaceAll(quote, quote + quote)}${quote}`)).join('.');
}
