#!/usr/bin/env bash
# Runs onnx-fp8's benchmarks or CLI on a lent GPU machine from the pack scripts/gpu/pack.mjs made
# (build/gpu/pack.tar.xz, carried along), with nothing installed there. From the repository root:
#   bash scripts/gpu/run.sh                       the benchmark suite (what `npm run bench:gpu` runs)
#   bash scripts/gpu/run.sh suite --quick         the suite with its options
#   bash scripts/gpu/run.sh bench attention --sweep   another benchmark (bench/<name>.ts)
#   bash scripts/gpu/run.sh cli perf examples/attention_fp8_test.onnx --fp8 -n 100
# Writes everything under $OUT (the device tool's folder; default /tmp/onnx-fp8-out): the full output
# (<what>.txt), the suite's JSON, nvidia-smi and vulkan facts (device.txt). Prints the last part.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PACK=${ONNX_FP8_GPU_PACK:-$ROOT/build/gpu/pack.tar.xz}
APP=${ONNX_FP8_GPU_APP:-/tmp/onnx-fp8-gpu/app}
OUT=${OUT:-/tmp/onnx-fp8-out}
mkdir -p "$OUT"

# Unpack once per pack: a warm machine keeps /tmp between calls, and a pack made again after a fix
# (another size or time) must replace the app unpacked from the previous one.
STAMP="$APP/.pack-stamp"
PACK_ID=$(stat -c '%s %Y' "$PACK" 2>/dev/null)
if [ ! -x "$APP/node" ] || { [ -n "$PACK_ID" ] && [ "$(cat "$STAMP" 2>/dev/null)" != "$PACK_ID" ]; }; then
  if [ ! -f "$PACK" ]; then
    echo "no $PACK: run 'node scripts/gpu/pack.mjs' first and carry build/gpu (scripts/gpu/README.md)" >&2
    exit 2
  fi
  rm -rf "$APP"
  mkdir -p "$(dirname "$APP")"
  tar -C "$(dirname "$APP")" -xJf "$PACK" || exit 2
  echo "$PACK_ID" > "$STAMP"
fi

# Libraries the machine lacks (the Vulkan loader, libglvnd for NVIDIA's ICD) from the pack, and only those.
MISSING="$APP/lib-missing"
rm -rf "$MISSING"; mkdir -p "$MISSING"
for lib in "$APP"/lib/*; do
  [ -e "$lib" ] || continue
  name=$(basename "$lib")
  if ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q "^[[:space:]]*$name "; then cp -f "$lib" "$MISSING/$name"; fi
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$MISSING"

# NVIDIA's Vulkan ICD is often outside the loader's default search path in GPU containers.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
  done
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "pack: $(grep -m1 '"commit"' "$APP/MANIFEST.json" 2>/dev/null | tr -d ' ,')"
  if command -v nvidia-smi > /dev/null; then
    echo "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit --format=csv,noheader 2>&1 | head -3)"
  else
    echo "nvidia-smi: not found"
  fi
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} missing libs: $(ls "$MISSING" | tr '\n' ' ')"
  echo "node: $("$APP/node" --version)"
} > "$OUT/device.txt"
cat "$OUT/device.txt"

what=${1:-suite}
[ $# -gt 0 ] && shift
case "$what" in
  suite) set -- "$APP/bench/webgpu-suite.mjs" --out "$OUT/webgpu-suite.json" "$@"; log="$OUT/suite.txt" ;;
  bench) name=${1:?bench needs a name}; shift; log="$OUT/bench-$name.txt"; set -- "$APP/bench/$name.mjs" "$@" ;;
  cli) log="$OUT/cli-${1:-help}.txt"; set -- "$APP/dist/cli.mjs" "$@" ;;
  *) echo "usage: run.sh [suite|bench NAME|cli] [args…]" >&2; exit 2 ;;
esac

# The benchmarks write .bench-out/ in the working directory; copy it to $OUT afterwards.
cd "$ROOT" || exit 2
"$APP/node" "$@" > "$log" 2>&1
rc=$?
[ -d .bench-out ] && find .bench-out -maxdepth 1 -name '*.json' -newer "$OUT/device.txt" -exec cp -f {} "$OUT/" \;
grep -v '^Warning: max' "$log" | tail -c 9000
echo "(exit $rc; full output in $log)"
exit $rc
