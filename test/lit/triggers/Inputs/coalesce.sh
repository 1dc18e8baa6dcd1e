# Starts `weir watch` on $1/slow.mlflow (its step sleeps 3 s); while the first run goes on,
# appends a row, then another a second later; waits for the follow-up run and 4 s more (time
# for a third run, which must not come), then stops it. Output in coalesce.out, coalesce.err.
set -u
dir=$1
weir=${WEIR:-weir}
"$weir" watch --settle 100 --interval 60000 "$dir/slow.mlflow" > "$dir/coalesce.out" 2> "$dir/coalesce.err" &
pid=$!
for _ in $(seq 100); do
  grep -qs sleeping "$dir/.weir/logs/rested.stdout.log" && break
  sleep 0.1
done
echo "4,3.5,6,d" >> "$dir/data/readings.csv"
sleep 1
echo "5,4.5,7,e" >> "$dir/data/readings.csv"
for _ in $(seq 150); do
  grep -qs "run 2 of" "$dir/coalesce.out" && break
  sleep 0.1
done
sleep 4
kill -TERM $pid
wait $pid
