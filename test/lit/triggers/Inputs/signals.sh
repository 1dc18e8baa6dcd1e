# Starts `weir watch` on $1/slow.mlflow (its step sleeps 3 s), waits until the step runs, sends
# $2 SIGTERMs; its output in NAME.out, NAME.err, its exit status in NAME.exit (NAME = $3).
set -u
dir=$1
weir=${WEIR:-weir}
"$weir" watch --settle 100 "$dir/slow.mlflow" > "$dir/$3.out" 2> "$dir/$3.err" &
pid=$!
rm -f "$dir/.weir/logs/rested.stdout.log"
for _ in $(seq 100); do
  grep -qs sleeping "$dir/.weir/logs/rested.stdout.log" && break
  sleep 0.1
done
for _ in $(seq "$2"); do
  kill -TERM $pid
  sleep 0.3
done
wait $pid
echo $? > "$dir/$3.exit"
