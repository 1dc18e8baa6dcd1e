// The runtime benchmark's workloads in Polars (npm nodejs-polars), written as a Polars user
// would: scanCSV with a schema, filter, withColumns, groupBy, join, sort, collect, writeCSV.
// Usage: POLARS_MAX_THREADS=N node peers_polars.mjs WORKLOAD DATA_DIR OUT_DIR
// (the thread pool's size is read from the environment when the module loads).
import pl from 'nodejs-polars';

const [work, dataDir, out] = process.argv.slice(2);
const SALES = {
  id: pl.Int64, customer: pl.Utf8, region: pl.Utf8, amount: pl.Float64,
  quantity: pl.Int64, returned: pl.Bool, day: pl.Date,
};
const sales = () => pl.scanCSV(`${dataDir}/sales.csv`, { schema: SALES });
const col = pl.col;

if (work === 'ingest') {
  // Load every column, then the same checks as ingest.mlflow's expectations.
  const df = await sales().collect();
  const r = df.select(
    pl.len().alias('n'),
    col('id').gtEq(0).and(col('quantity').gtEq(1)).and(col('day').gtEq(new Date(Date.UTC(2020, 0, 1)))).sum().alias('ok'),
    col('amount').count().alias('amounts'), col('customer').count().alias('customers'),
    col('region').count().alias('regions'), col('returned').sum().alias('returned'),
  ).toRecords()[0];
  if (!(r.n >= 1 && r.ok === r.n && r.amounts >= 1 && r.customers >= 1 && r.regions >= 1 && r.returned > 0)) throw new Error('check failed');
} else if (work === 'filter') {
  const df = await sales()
    .filter(col('returned').not().and(col('amount').gt(900)))
    .withColumns(col('amount').mul(col('quantity')).alias('total'), col('quantity').gtEq(10).alias('bulk'),
                 col('day').date.year().alias('year'))
    .select('id', 'region', 'total', 'bulk', 'year')
    .collect();
  df.writeCSV(`${out}/filter.csv`);
} else if (work === 'group') {
  const df = await sales()
    .groupBy('customer')
    .agg(pl.len().alias('orders'), col('amount').sum().alias('total'), col('quantity').mean().alias('mean_quantity'))
    .collect();
  df.writeCSV(`${out}/group.csv`);
} else if (work === 'join') {
  const customers = pl.scanCSV(`${dataDir}/customers.csv`,
    { schema: { customer: pl.Utf8, segment: pl.Utf8, discount: pl.Float64, since: pl.Date } });
  const df = await sales()
    .join(customers, { on: 'customer', how: 'inner' })
    .withColumns(col('amount').mul(pl.lit(1).sub(col('discount'))).alias('net'))
    .groupBy(['segment', 'region'])
    .agg(pl.len().alias('orders'), col('net').sum().alias('net'))
    .collect();
  df.writeCSV(`${out}/join.csv`);
} else if (work === 'sort') {
  const df = await sales().sort(['customer', 'id']).select('id', 'customer', 'amount').collect();
  df.writeCSV(`${out}/sort.csv`);
} else if (work === 'sink') {
  const schema = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`x${i}`, pl.Float64]));
  const df = pl.readCSV(`${dataDir}/floats.csv`, { schema });
  df.writeCSV(`${out}/sink.csv`);
} else {
  throw new Error(`unknown workload ${work}`);
}
