# Starts `weir watch` on $1/watched.mlflow with a content check every 200 ms, takes the source
# away for 2 s (some ten passes), puts it back, stops it. Its stderr in missing.err.
set -u
dir=$1
weir=${WEIR:-weir}
"$weir" watch --settle 100 --interval 200 "$dir/watched.mlflow" > "$dir/missing.out" 2> "$dir/missing.err" &
pid=$!
for _ in $(seq 100); do
  grep -qs watching "$dir/missing.err" && break
  sleep 0.1
done
mv "$dir/data/readings.csv" "$dir/data/away.csv"
sleep 2
mv "$dir/data/away.csv" "$dir/data/readings.csv"
sleep 1
kill -TERM $pid
wait $pid
