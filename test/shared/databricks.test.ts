import { describe, expect, it } from 'vitest';
import { fromDatabricksSource, toDatabricksSource } from '../../shared/notebook/databricks';
import { parseIpynb, serializeIpynb } from '../../shared/notebook/ipynb';
import { emptyNotebook, newCell } from '../../shared/notebook/model';

const PY_SOURCE = `# Databricks notebook source
# MAGIC %md
# MAGIC # Trips
# MAGIC
# MAGIC Daily counts.

# COMMAND ----------

df = spark.table("trips")
display(df)

# COMMAND ----------

# DBTITLE 1,Count by day
# MAGIC %sql
# MAGIC SELECT day, count(*)
# MAGIC FROM trips GROUP BY day

# COMMAND ----------

# MAGIC %scala
# MAGIC val x = 1

# COMMAND ----------

# MAGIC %md #One-line heading
`;

describe('Databricks notebook source', () => {
  it('reads a Python notebook with Markdown, SQL, a title and a Scala cell', () => {
    const doc = fromDatabricksSource(PY_SOURCE, 'trips.py');
    expect(doc.cells.map((c) => [c.language, c.source, c.readOnly ? c.displayLanguage : null])).toEqual([
      ['markdown', '# Trips\n\nDaily counts.', null],
      ['python', 'df = spark.table("trips")\ndisplay(df)', null],
      ['sql', 'SELECT day, count(*)\nFROM trips GROUP BY day', null],
      ['python', 'val x = 1', 'scala'],
      ['markdown', '#One-line heading', null],
    ]);
    expect(doc.cells[2].metadata.name).toBe('Count by day');
  });

  it('writes back what it read', () => {
    const doc = fromDatabricksSource(PY_SOURCE, 'trips.py');
    const again = toDatabricksSource(doc);
    expect(fromDatabricksSource(again, 'again.py').cells.map((c) => [c.language, c.source])).toEqual(
      doc.cells.map((c) => [c.language, c.source]),
    );
    expect(again.startsWith('# Databricks notebook source\n')).toBe(true);
    expect(again).toContain('\n\n# COMMAND ----------\n\n');
    expect(again).toContain('# DBTITLE 1,Count by day\n# MAGIC %sql\n# MAGIC SELECT day, count(*)');
    expect(again).toContain('# MAGIC %scala\n# MAGIC val x = 1');
  });

  it('keeps a Scala cell read-only through an .ipynb save and a second export', () => {
    const doc = fromDatabricksSource(PY_SOURCE, 'trips.py');
    const reread = parseIpynb(serializeIpynb(doc), 'trips.ipynb');
    expect(reread.cells[3].readOnly).toMatch(/scala/);
    expect(toDatabricksSource(reread)).toContain('# MAGIC %scala\n# MAGIC val x = 1');
  });

  it('exports a SQL-only notebook as SQL source with -- comments', () => {
    const doc = emptyNotebook();
    doc.cells = [newCell('markdown', '# Report'), newCell('sql', 'SELECT 1'), newCell('sql', 'SELECT 2')];
    const text = toDatabricksSource(doc);
    expect(text).toBe(
      '-- Databricks notebook source\n-- MAGIC %md\n-- MAGIC # Report\n\n-- COMMAND ----------\n\nSELECT 1\n\n-- COMMAND ----------\n\nSELECT 2\n',
    );
    expect(fromDatabricksSource(text, 'r.sql').cells.map((c) => c.language)).toEqual([
      'markdown',
      'sql',
      'sql',
    ]);
  });

  it('writes Python cells of a mixed notebook plainly and SQL cells behind %sql', () => {
    const doc = emptyNotebook();
    doc.cells = [newCell('sql', 'SELECT 1'), newCell('python', 'print(1)')];
    expect(toDatabricksSource(doc)).toBe(
      '# Databricks notebook source\n# MAGIC %sql\n# MAGIC SELECT 1\n\n# COMMAND ----------\n\nprint(1)\n',
    );
  });

  it('names the line of what it cannot read', () => {
    expect(() => fromDatabricksSource('print(1)\n', 'x.py')).toThrow(/x\.py: is not a Databricks notebook/);
    expect(() =>
      fromDatabricksSource(
        '# Databricks notebook source\n1\n\n# COMMAND ----------\n\n# MAGIC %weird\n# MAGIC x\n',
        'x.py',
      ),
    ).toThrow(/x\.py: line 6: unknown magic %weird/);
  });
});
