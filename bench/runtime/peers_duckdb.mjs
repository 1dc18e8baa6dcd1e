// The runtime benchmark's workloads in DuckDB (npm @duckdb/node-api), for comparison.
// Usage: node peers_duckdb.mjs WORKLOAD DATA_DIR OUT_DIR THREADS
import { DuckDBInstance } from '@duckdb/node-api';

const [work, dataDir, out, threads] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads ?? 2) });
const db = await instance.connect();
const read = `read_csv('${dataDir}/sales.csv', header = true, columns = {'id': 'BIGINT', 'customer': 'VARCHAR',
  'region': 'VARCHAR', 'amount': 'DOUBLE', 'quantity': 'BIGINT', 'returned': 'BOOLEAN', 'day': 'DATE'})`;
if (work === 'ingest') {
  // Load every column, then the same checks as ingest.mlflow's expectations.
  await db.run(`CREATE TABLE sales AS SELECT * FROM ${read}`);
  const r = await db.runAndReadAll(`SELECT count(*), bool_and(id >= 0 AND quantity >= 1 AND day >= DATE '2020-01-01'),
    count(amount), count(customer), count(region), bool_or(returned) FROM sales`);
  if (r.getRows()[0][1] !== true) throw new Error('check failed');
} else if (work === 'filter') {
  await db.run(`COPY (SELECT id, region, amount * quantity AS total, quantity >= 10 AS bulk, year(day) AS year
    FROM ${read} WHERE NOT returned AND amount > 900) TO '${out}/filter.csv' (HEADER)`);
} else if (work === 'arith') {
  // bench/jit/arith.mlflow: 16 derived columns, summed per region.
  await db.run(`COPY (WITH scored AS (SELECT region, amount * quantity AS gross,
      CASE WHEN returned THEN 0.0 ELSE amount * quantity * 0.92 END AS net, amount / quantity AS unit,
      CASE WHEN amount > 900 THEN 3 WHEN amount > 500 THEN 2 WHEN amount > 100 THEN 1 ELSE 0 END AS tier,
      (amount - 500) / 288.7 AS scaled,
      sqrt(abs(amount)) * ln(quantity + 1) + exp(-amount / 1000) AS score,
      amount * amount * 0.0001 - amount * 0.3 + quantity * 7 - 2.5 AS poly,
      floor(amount / 50) * 50 + round(quantity / 3) AS bucketed,
      (amount + quantity) / (amount - quantity + 1) AS ratio,
      CASE WHEN quantity >= 10 AND NOT returned THEN 1 ELSE 0 END AS bulk,
      CASE WHEN amount > 800 OR quantity < 2 THEN 1 ELSE 0 END AS risky,
      least(greatest(amount, 10.0), 950.0) AS capped, (id * 31 + quantity) % 97 AS rem,
      id % 7 * 3 + quantity * quantity - id % 5 AS mix, pow(0.99, quantity) * amount AS decay
    FROM ${read}), banded AS (SELECT *, CASE WHEN scaled > 1 THEN scaled * 2 WHEN scaled < -1 THEN -scaled
      ELSE scaled * scaled END AS band FROM scored)
    SELECT region, count(*) AS rows, sum(gross), sum(net), sum(unit), sum(tier), sum(scaled), sum(score), sum(poly),
      sum(bucketed), sum(ratio), sum(bulk), sum(risky), sum(capped), sum(rem), sum(mix), sum(decay), sum(band)
    FROM banded GROUP BY region) TO '${out}/arith.csv' (HEADER)`);
} else if (work === 'group') {
  await db.run(`COPY (SELECT customer, count(*) AS orders, sum(amount) AS total, avg(quantity) AS mean_quantity
    FROM ${read} GROUP BY customer) TO '${out}/group.csv' (HEADER)`);
} else if (work === 'join') {
  await db.run(`COPY (SELECT segment, region, count(*) AS orders, sum(amount * (1 - discount)) AS net
    FROM ${read} s JOIN read_csv('${dataDir}/customers.csv', header = true, columns = {'customer': 'VARCHAR',
      'segment': 'VARCHAR', 'discount': 'DOUBLE', 'since': 'DATE'}) c USING (customer)
    GROUP BY segment, region) TO '${out}/join.csv' (HEADER)`);
} else if (work === 'sort') {
  await db.run(`COPY (SELECT id, customer, amount FROM ${read} ORDER BY customer, id) TO '${out}/sort.csv' (HEADER)`);
} else if (work === 'sink') {
  const columns = Array.from({ length: 11 }, (_, i) => `'x${i}': 'DOUBLE'`).join(', ');
  await db.run(`COPY (SELECT * FROM read_csv('${dataDir}/floats.csv', header = true, columns = {${columns}}))
    TO '${out}/sink.csv' (HEADER)`);
} else {
  throw new Error(`unknown workload ${work}`);
}
