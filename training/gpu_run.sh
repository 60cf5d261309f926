#!/bin/bash
# The coverage model's GPU run (issue 15), as run on the lent H200 (see docs/COVERAGE_MODEL.md).
# Usage: bash .devcarry/run.sh PER_CLASS MAX_EPOCHS SECONDS_TOTAL [PYTHON]
set -o pipefail
T0=$(date +%s)
PER_CLASS=${1:-100}; MAX_EPOCHS=${2:-30}; TOTAL=${3:-560}; PY=${4:-python3}; GEN_UNTIL=${GEN_UNTIL:-230}
OUT=${OUT:-/tmp/out}; mkdir -p $OUT/run
LOG=$OUT/log.txt
export PYTHONUNBUFFERED=1 KERAS_BACKEND=torch
{
SITE=/tmp/site
if [ -z "$LOCAL_TEST" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target $SITE .devcarry/whl/*.whl || exit 3
fi
mkdir -p $SITE && tar xJf .devcarry/kanjivg-site.tar.xz -C $SITE || exit 4
export PYTHONPATH=$SITE:$PWD
FONTS=/tmp/dev-fonts; rm -rf $FONTS; mkdir -p $FONTS
(cd .devcarry/fonts && for f in */*.xz; do mkdir -p $FONTS/$(dirname $f); xz -dc $f > $FONTS/${f%.xz}; done) || exit 5
WORKERS=$(nproc)
echo "setup $(( $(date +%s) - T0 )) s, workers $WORKERS"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
$PY -c "import keras, numpy, cv2, PIL; print('keras', keras.__version__, keras.backend.backend(), 'numpy', numpy.__version__, 'cv2', cv2.__version__, 'PIL', PIL.__version__)" || exit 6
rm -rf /tmp/coverage40 /tmp/coverage40b
GEN="--classes coverage --size 40 --box 32 --stroke-ratio 0.07 --exclude-fonts kiloji --workers $WORKERS --font-dirs $FONTS --mnist-dir .devcarry/mnist --no-merge"
G0=$(date +%s)
$PY -m training.synth.generate $GEN --per-class $PER_CLASS --seed 1 --out /tmp/coverage40 || exit 7
cp /tmp/coverage40/manifest.json $OUT/
G1=$(date +%s)
SHARDS=/tmp/coverage40/shards
# a second pass (other seed) sized to what is left of the generation budget
MORE=$(( (GEN_UNTIL - (G1 - T0)) * PER_CLASS / (G1 - G0 + 1) ))
[ $MORE -gt ${MAX_MORE:-100} ] && MORE=${MAX_MORE:-100}
echo "pass 1: $PER_CLASS per class in $(( G1 - G0 )) s; pass 2: $MORE per class"
if [ $MORE -ge 10 ]; then
  $PY -m training.synth.generate $GEN --per-class $MORE --seed 2 --out /tmp/coverage40b && SHARDS=$SHARDS,/tmp/coverage40b/shards
  cp /tmp/coverage40b/manifest.json $OUT/manifest-2.json
fi
NOW=$(date +%s)
echo "generated at $(( NOW - T0 )) s"
DEADLINE=$(( T0 + TOTAL - 45 ))
BUDGET=$(( DEADLINE - NOW - 60 ))
$PY -m training.accelerated fit --shards $SHARDS --out $OUT/run --width 48 --input-size 40 \
    --box 32 --stroke-ratio 0.07 --dropout 0.3 --augment light --batch-size ${BATCH:-512} --learning-rate ${LR:-4e-3} \
    --epochs $MAX_EPOCHS --budget $BUDGET --deadline $DEADLINE --validation-size ${VAL:-20000} --seed 1 || exit 8
echo "finished at $(( $(date +%s) - T0 )) s"
} 2>&1 | tee $LOG
