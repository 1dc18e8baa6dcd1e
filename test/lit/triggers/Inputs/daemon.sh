# Starts `weir watch` on $1/$2 (a content check only once a minute: what it sees within
# seconds, inotify told it), waits for it to watch, appends a row (one run), then writes four
# rows in pieces 300 ms apart (--settle 1000: one run, which sees all of them), then stops it
# with SIGTERM; its output in daemon.out, daemon.err, its exit status in daemon.exit.
set -u
dir=$1
weir=${WEIR:-weir}
"$weir" watch --settle 1000 --interval 60000 "$dir/$2" > "$dir/daemon.out" 2> "$dir/daemon.err" &
pid=$!
wait_for() {  # FILE PATTERN COUNT: until FILE has COUNT lines matching PATTERN (10 s at most)
  for _ in $(seq 100); do
    [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $3 x '$2' in $1" >&2
  cat "$dir/daemon.err" >&2
  return 1
}
wait_for "$dir/daemon.err" "watching" 1 || { kill $pid; exit 1; }
echo "4,3.5,6,d" >> "$dir/data/readings.csv"
wait_for "$dir/daemon.out" "run 2 of" 1 || { kill $pid; exit 1; }
for row in "5,4.5,7,e" "6,5.5,8,f" "7,6.5,9,g"; do
  echo "$row" >> "$dir/data/readings.csv"
  sleep 0.3
done
wait_for "$dir/daemon.out" "run 3 of" 1 || { kill $pid; exit 1; }
sleep 1.5  # nothing more may run
kill -TERM $pid
wait $pid
echo $? > "$dir/daemon.exit"
