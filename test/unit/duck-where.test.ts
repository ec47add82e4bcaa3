// The --where check of the kinds the workspace's DuckDB reads (duckdb, lakehouse), table-driven with
// near misses: DuckDB's parser decides, so SQL words inside a condition (IS DISTINCT FROM, a string
// saying 'select from') pass, and what reads outside the relation or adds to the statement is refused
// naming the source, entity and cause. Each accepted condition also binds over a real relation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadwaterError } from '../../src/shared/errors.js';
import { checkedDuckPredicate, duckConjuncts } from '../../src/engine/drivers/kit/files/duck-where.js';
import { openDuckDB, type OpenedDuckDB } from '../../src/engine/workspace/duckdb.js';

const at = { source: 's', entity: 'e' };

describe('DuckDB --where check', { timeout: 30_000 }, () => {
  let duck: OpenedDuckDB;
  before(async () => {
    duck = await openDuckDB(':memory:');
    await duck.connection.run("CREATE TABLE hw_relation AS SELECT 1 AS id, 2024 AS year, 'from select' AS label, NULL::INTEGER AS maybe");
  });
  after(() => duck?.close());

  test('conditions pass, SQL words inside them and inside strings do not count', async () => {
    const passing = [
      'id IS DISTINCT FROM 2',
      'maybe IS NOT DISTINCT FROM NULL',
      "label <> 'select * from secrets'",
      '"year" = 2024 OR id > 0',
      'year = 2024 AND id BETWEEN 0 AND 5',
      "label LIKE '%from%' AND year IN (2023, 2024)",
      "CASE WHEN id > 0 THEN label ELSE 'x' END <> ''",
      "list_contains([1, 2], id) AND lower(label) = 'from select'",
    ];
    for (const where of passing) {
      const checked = await checkedDuckPredicate(duck.connection, where, at);
      assert.equal(checked, `(${where})`);
      const rows = (await duck.connection.runAndReadAll(`SELECT count(*) FROM hw_relation WHERE ${checked}`)).getRowsJS();
      assert.equal(Number(rows[0]![0]), 1, where);
    }
  });

  test('the top-level AND terms come back one by one (for partition pruning); anything else is one term', async () => {
    const terms = async (where: string) => duckConjuncts(duck.connection, await checkedDuckPredicate(duck.connection, where, at));
    assert.deepEqual(await terms("year = 2024 AND (id > 1 OR label = 'a''b') AND maybe IS DISTINCT FROM 3"), ['("year" = 2024)', '((id > 1) OR ("label" = \'a\'\'b\'))', '(maybe IS DISTINCT FROM 3)']);
    assert.deepEqual(await terms('year = 2024 OR id > 1'), ['(year = 2024 OR id > 1)']);
  });

  test('what reads outside the relation or adds to the statement is refused, naming the cause', async () => {
    const refused: [string, RegExp][] = [
      ['id IN (SELECT 1)', /holds a subquery/],
      ['EXISTS (FROM hw_relation)', /holds a subquery/],
      ["id > (FROM read_csv('/etc/passwd'))", /holds a subquery/],
      ["label = getenv('HOME')", /calls getenv\(\)/],
      ["label = main.current_setting('threads')", /calls current_setting\(\)/],
      ["nextval('s') > 0", /calls nextval\(\)/],
      ['year = 2024 ORDER BY id', /adds more than a condition/],
      ['year = 2024 LIMIT 1', /adds more than a condition/],
      ['year = 2024 GROUP BY year', /adds more than a condition/],
      ['year = 2024 UNION SELECT 1', /adds more than a condition/],
      ['year = 2024 QUALIFY true', /adds more than a condition/],
      ['year = 2024 USING SAMPLE 1', /adds more than a condition/],
      ['year = = 2024', /is not a DuckDB condition \(syntax error/],
      ['year = 2024; DROP TABLE x', /holds a ";"/],
      ['year = 2024 -- and the rest', /holds a comment/],
      ['', /is empty/],
    ];
    for (const [where, cause] of refused) {
      await assert.rejects(checkedDuckPredicate(duck.connection, where, at), (error: unknown) => {
        assert.ok(error instanceof HeadwaterError && error.code === 'usage', `${where}: ${String(error)}`);
        assert.match(error.message, /Source 's', entity 'e': the --where filter/);
        assert.match(error.message, cause, where);
        return true;
      });
    }
  });
});
