/**
 * What a SQL statement has in scope at the cursor, for completion: the tables and CTEs its FROM and JOIN
 * clauses name (with their aliases), and what is being typed (a word, perhaps after `qualifier.`). A single
 * linear pass over tokens; no regular expression that can backtrack over the whole text.
 */

export interface TableReference {
  /** As written, without quotes: `trips`, or `main.trips` with a schema. */
  schema: string | null;
  name: string;
  /** The alias, or null when the table is referred to by its name. */
  alias: string | null;
  /** True for a name a WITH clause defines in this statement. */
  cte: boolean;
}

export interface CompletionContext {
  /** Offset in the statement where the word being typed starts (what a suggestion replaces). */
  wordStart: number;
  word: string;
  /** The identifier before a dot right before the word (`t` in `t.fa`), else null. */
  qualifier: string | null;
  tables: TableReference[];
}

export type Token = {
  kind: 'ident' | 'quoted' | 'string' | 'number' | 'symbol' | 'word';
  text: string;
  start: number;
};

/** Keywords after which no alias can follow a table name. */
const NOT_ALIAS = new Set(
  [
    'on',
    'using',
    'where',
    'group',
    'order',
    'limit',
    'join',
    'inner',
    'left',
    'right',
    'full',
    'cross',
    'natural',
    'outer',
    'anti',
    'semi',
    'positional',
    'asof',
    'lateral',
    'union',
    'except',
    'intersect',
    'having',
    'window',
    'qualify',
    'offset',
    'select',
    'from',
    'as',
    'set',
    'values',
    'returning',
    'when',
    'then',
    'tablesample',
    'pivot',
    'unpivot',
    'version',
    'timestamp',
  ].map((k) => k.toLowerCase()),
);

function isIdentStart(ch: string): boolean {
  return /[A-Za-z_\u0080-\uffff]/.test(ch);
}

function isIdentPart(ch: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(ch);
}

/** Tokens of SQL text up to `end`: identifiers, quoted identifiers, strings, numbers and symbols. */
export function tokenize(sql: string, end = sql.length): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < end) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < end && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 2;
    } else if (ch === "'" || ch === '"') {
      const start = i;
      let text = '';
      i++;
      while (i < end) {
        if (sql[i] === ch) {
          if (sql[i + 1] === ch) {
            text += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i++];
      }
      tokens.push({ kind: ch === '"' ? 'quoted' : 'string', text, start });
    } else if (isIdentStart(ch)) {
      const start = i;
      while (i < end && isIdentPart(sql[i])) i++;
      tokens.push({ kind: 'ident', text: sql.slice(start, i), start });
    } else if (/[0-9]/.test(ch)) {
      const start = i;
      while (i < end && /[0-9._eE]/.test(sql[i])) i++;
      tokens.push({ kind: 'number', text: sql.slice(start, i), start });
    } else {
      tokens.push({ kind: 'symbol', text: ch, start: i });
      i++;
    }
  }
  return tokens;
}

const isName = (t: Token | undefined): t is Token => !!t && (t.kind === 'ident' || t.kind === 'quoted');
const lower = (t: Token | undefined) => (t && t.kind === 'ident' ? t.text.toLowerCase() : '');

/** The table references of a statement: after FROM, JOIN, UPDATE, INTO, and comma-separated FROM lists. */
export function tableReferences(tokens: Token[]): TableReference[] {
  const refs: TableReference[] = [];
  const ctes = new Set<string>();
  // WITH name AS (...): names defined by the statement.
  for (let i = 0; i < tokens.length; i++) {
    if (lower(tokens[i]) === 'with' || (tokens[i].text === ',' && ctes.size > 0)) {
      let j = i + 1;
      if (lower(tokens[j]) === 'recursive') j++;
      if (isName(tokens[j]) && (lower(tokens[j + 1]) === 'as' || tokens[j + 1]?.text === '(')) {
        ctes.add(tokens[j].text.toLowerCase());
      }
    }
  }
  let depth = 0;
  let inFromList = -1; // the depth of the FROM list being read, or -1
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (inFromList > depth) inFromList = -1;
    }
    const kw = lower(t);
    const startsRef = kw === 'from' || kw === 'join' || kw === 'update' || kw === 'into' || kw === 'table';
    const continuesList = t.text === ',' && inFromList === depth;
    if (kw === 'from') inFromList = depth;
    else if (
      inFromList === depth &&
      [
        'where',
        'group',
        'order',
        'limit',
        'having',
        'window',
        'qualify',
        'union',
        'except',
        'intersect',
      ].includes(kw)
    )
      inFromList = -1;
    if (!startsRef && !continuesList) continue;
    let j = i + 1;
    if (!isName(tokens[j])) continue;
    let schema: string | null = null;
    let name = tokens[j].text;
    while (tokens[j + 1]?.text === '.' && isName(tokens[j + 2])) {
      schema = schema === null ? name : `${schema}.${name}`;
      name = tokens[j + 2].text;
      j += 2;
    }
    // A table function (`read_csv(...)`) is not a table reference.
    if (tokens[j + 1]?.text === '(') continue;
    let alias: string | null = null;
    let k = j + 1;
    if (lower(tokens[k]) === 'as') k++;
    if (isName(tokens[k]) && (tokens[k].kind === 'quoted' || !NOT_ALIAS.has(lower(tokens[k]))))
      alias = tokens[k].text;
    refs.push({ schema, name, alias, cte: schema === null && ctes.has(name.toLowerCase()) });
  }
  return refs;
}

/** The completion context at `cursor` (an offset in `sql`, one statement). */
export function completionContext(sql: string, cursor: number): CompletionContext {
  let wordStart = cursor;
  while (wordStart > 0 && isIdentPart(sql[wordStart - 1])) wordStart--;
  const word = sql.slice(wordStart, cursor);
  let qualifier: string | null = null;
  if (sql[wordStart - 1] === '.') {
    const before = tokenize(sql, wordStart - 1);
    const last = before[before.length - 1];
    if (
      isName(last) &&
      last.start + (last.kind === 'quoted' ? last.text.length + 2 : last.text.length) >= wordStart - 1
    )
      qualifier = last.text;
  }
  return { wordStart, word, qualifier, tables: tableReferences(tokenize(sql)) };
}
