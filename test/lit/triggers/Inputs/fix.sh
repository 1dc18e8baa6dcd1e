# Starts `weir watch` on $1/watched.mlflow, which has an error; waits until it says it waits for
# a fix, fixes the file, waits until it watches, stops it. Its stderr in fix.err, stdout fix.out.
set -u
dir=$1
weir=${WEIR:-weir}
sed -i 's/x \* 2 + y/x * 2 + yy/' "$dir/watched.mlflow"
"$weir" watch --settle 100 --interval 60000 "$dir/watched.mlflow" > "$dir/fix.out" 2> "$dir/fix.err" &
pid=$!
wait_for() {
  for _ in $(seq 100); do
    grep -qs "$1" "$dir/$2" && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$1'" >&2
  return 1
}
wait_for "waiting for the program to be fixed" fix.err || { kill $pid; exit 1; }
sed -i 's/x \* 2 + yy/x * 2 + y/' "$dir/watched.mlflow"
wait_for "run 1 of" fix.out || { kill $pid; exit 1; }
kill -TERM $pid
wait $pid
echo "exit $?" >> "$dir/fix.out"
