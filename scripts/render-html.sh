#!/usr/bin/env bash
# The browser check of `--format html` (issue 15 item 3), separate from `cargo test`: writes the HTML
# report of every exact example, of a trace and of `reproduce exp1`, renders each in headless
# Chromium (Debian: `apt-get install chromium`), takes a full-page screenshot, and checks that the
# browser's DOM after loading holds every figure the file holds. Look at the PNGs afterwards.
#
#   scripts/render-html.sh [OUT_DIR]      # default target/html-check
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/html-check}
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "render-html: no Chromium found (Debian: apt-get install chromium)" >&2
  exit 2
fi
cargo build --release --quiet
bin=target/release/mcmc-audit
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-extensions
       --disable-sync --disable-default-apps --no-first-run --hide-scrollbars --mute-audio
       --window-size=1200,3000)

# Exit codes 1 and 3 are verdicts (a failing example), not errors of the run.
run() { "$@" || [ $? -le 3 ]; }
for ex in curie-weiss systematic-sk rbm-symmetrized; do
  run "$bin" audit "examples/$ex.toml" --format html --out "$out/$ex.html"
done
run "$bin" trace tests/data/trace/inputs.npz --format html > "$out/trace.html"
run "$bin" reproduce exp1 --format html > "$out/exp1.html"

status=0
for page in "$out"/*.html; do
  name=$(basename "$page" .html)
  url="file://$(realpath "$page")"
  timeout 120 "$browser" "${flags[@]}" --screenshot="$out/$name.png" "$url" > /dev/null 2>&1
  timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" 2> /dev/null > "$out/$name.dom.html"
  in_file=$(grep -o '<figure ' "$page" | wc -l)
  in_dom=$(grep -o '<figure ' "$out/$name.dom.html" | wc -l)
  svgs=$(grep -o '<svg ' "$out/$name.dom.html" | wc -l)
  png=$(stat -c %s "$out/$name.png" 2> /dev/null || echo 0)
  if [ "$in_dom" -ne "$in_file" ] || [ "$svgs" -lt "$in_file" ] || [ "$png" -lt 20000 ]; then
    echo "FAIL $name: figures in file $in_file, in the browser's DOM $in_dom, svg $svgs, screenshot $png bytes"
    status=1
  else
    echo "ok   $name: $in_dom figures rendered, screenshot $out/$name.png ($png bytes)"
  fi
done
exit $status
