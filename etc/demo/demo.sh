#!/bin/sh
# Runs bluepilld in the foreground, as an ordinary user, with the example
# apps of etc/demo.  Run as root, it runs the demo as user "nobody" from a
# copy under /tmp (the build tree may not be readable by nobody).
# Ctrl-C stops bluepilld; as always, the supervised processes keep running
# (the script prints how to stop them).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILDDIR:-$src}
d=$(mktemp -d /tmp/bluepill-demo.XXXXXX)
chmod 755 "$d"
mkdir -p "$d/bin" "$d/conf.d" "$d/log"
cp "$build/bluepilld" "$build/bluepillctl" "$build/tests/bptest" "$d/bin/"
for f in "$src"/etc/demo/*.conf.in; do
	sed "s|@DEMO@|$d|g" "$f" >"$d/conf.d/$(basename "$f" .in)"
done
echo ok >"$d/web.mode"
chmod 644 "$d"/conf.d/*.conf "$d/web.mode"
run=""
if [ "$(id -u)" = 0 ]; then
	chown -R nobody:nogroup "$d"
	run="runuser -u nobody --"
fi
cat <<TXT
bluepill demo in $d (drop-ins in $d/conf.d)
In another terminal:
  $d/bin/bluepillctl -r $d/run apps
  $d/bin/bluepillctl -r $d/run -a web status
  $d/bin/bluepillctl -r $d/run -a pool status        # children under the pool
  $d/bin/bluepillctl -r $d/run -a crashy status flappy
  $d/bin/bluepillctl -r $d/run -a leaky log          # watch mem_usage samples
  echo error >$d/web.mode                           # make the web check fail
Ctrl-C stops bluepilld; the demo processes keep running (bluepill never
kills what it supervises on exit).  To stop them as well, first run:
  for a in web pool leaky crashy; do $d/bin/bluepillctl -r $d/run -a \$a stop; done
TXT
$run "$d/bin/bluepilld" -d -c "$d/conf.d" -r "$d/run" || true
