#!/usr/bin/env bash
# One GPU lease used in full, in one command of at most --total seconds: the models of
# --models train side by side while gpu_check.sh runs its functional steps beside them;
# once training is done, the benchmark steps run alone (clean timings). Everything is
# packed into at most 8 files under $OUT, each under 15 MiB (the device tool brings back
# no more): results.tgz (logs, summaries, figures) and each model's float16 export.
#
#   python benchmarks/photo_sources.py --slim build/photo-slim           # here, once
#   OUT=DIR benchmarks/gpu_session.sh --photos build/photo-slim         # on the GPU
#       (the device tool's carry: ["build/photo-slim"])
#   benchmarks/gpu_session.sh --dry-run --out /tmp/s --photos DIR        # on the CPU, tiny
#
# Options:
#   --models LIST      what to train, comma-separated (default photos; "" trains nothing,
#                      the checks and benchmarks alone):
#                        photos     photos-dcgan64, then its encoder E (issue 19)
#                        spade      labels2scene-spade-v2, its config as is (issue 21)
#                        labels     labels2landscape-v2 cut to 20,000 steps (issue 21)
#                        edges      edges2landscape-v2 cut to 20,000 steps (issue 21)
#                        day2night  day2night-v3 cut to 8,000 steps (issue 21)
#                      the step counts are guesses of what a few minutes allow; a run
#                      stopped by its time box is exported where it stopped
#   --photos DIR       the real photos: a photo cache (photo_sources.py's folder, e.g.
#                      `photo_sources.py --slim build/photo-slim`, 9 MB, to travel under
#                      the ignored build/), whose tune half trains the photo GAN and which
#                      the photo benchmarks then run on; or a plain folder of training
#                      photos (no photo benchmarks then). Needed for photos
#   --train-minutes M  each training's time box (default 3.5); E gets --encoder-minutes
#   --encoder-minutes M  (default 0.75)
#   --total S          the whole session's seconds (default 560): the benchmark phase
#                      gets what is left
#   --dry-run          tiny sizes on the CPU (gpu_check.sh --dry-run)
# Exit status 1 when a functional step or a benchmark failed (the results are packed
# either way: check/summary.md and bench/summary.md in results.tgz say which).
#   --python PY        the interpreter (default: $PYTHON, else python3)
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

DRY=0
OUT=${OUT:-}
PY=${PYTHON:-python3}
PHOTOS=
MODELS=photos
TRAIN_MIN=3.5
ENC_MIN=0.75
TOTAL=560
while (($#)); do
    case $1 in
        --dry-run) DRY=1 ;;
        --out) OUT=$2; shift ;;
        --python) PY=$2; shift ;;
        --photos) PHOTOS=$2; shift ;;
        --models) MODELS=$2; shift ;;
        --train-minutes) TRAIN_MIN=$2; shift ;;
        --encoder-minutes) ENC_MIN=$2; shift ;;
        --total) TOTAL=$2; shift ;;
        -h | --help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_session.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ -n $OUT ]] || { echo "gpu_session.sh: say where results go: OUT=DIR or --out DIR" >&2; exit 2; }
for model in ${MODELS//,/ }; do
    case $model in
        photos | spade | labels | edges | day2night) ;;
        *) echo "gpu_session.sh: --models: unknown model '$model' (photos, spade, labels, edges, day2night)" >&2; exit 2 ;;
    esac
done
if [[ (,$MODELS, == *,photos,* || -n $PHOTOS) && ! -d $PHOTOS ]]; then
    echo "gpu_session.sh: --photos DIR: no such folder: '$PHOTOS'" >&2
    exit 2
fi
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2
START=$(date +%s)
END=$((START + TOTAL))
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-session.XXXXXX")
RUNS=$WORK/runs
mkdir -p "$RUNS" "$WORK/logs"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export GANPAINT_DATA_DIR="$WORK/.userdata"

if ((DRY)); then
    TRAIN=(--device cpu --workers 0 --iters 4 --batch 4 --ngf 8 --ndf 8 --sample-every 2
        --checkpoint-every 2 --log-every 1)
    SHORT=(--synthetic-n 8)  # the translators' procedural data: a few scenes
    GPU_ITERS=()
    ENC=(--device cpu --workers 0 --iters 2 --batch 4 --sample-every 2 --checkpoint-every 2)
    CHECK=(--dry-run)
    export OMP_NUM_THREADS=1
else
    # DataLoader workers pass batches through /dev/shm; containers often have 64 MiB.
    shm_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
    workers=0
    jobs=$(wc -w <<<"${MODELS//,/ }")
    ((${shm_kib:-0} >= 1024 * 1024)) && workers=$((jobs > 1 ? 4 : 6))
    TRAIN=(--device cuda --amp --channels-last --workers "$workers" --log-every 200)
    ENC=(--device cuda --amp --channels-last --workers "$workers" --log-every 200)
    SHORT=()
    GPU_ITERS=(--iters)
    CHECK=()
fi
CACHE=()
if [[ -f $PHOTOS/manifest.json ]]; then # a photo cache: train on its tune half
    CACHE=(--photos "$(cd "$PHOTOS" && pwd)")
    "$PY" benchmarks/photo_sources.py --cache "$PHOTOS" --export tune "$WORK/photo-train" ||
        exit 2
    PHOTOS=$WORK/photo-train
fi
FUNCTIONAL=env,imports,inputs,train-dcgan,torchrun,eval,train-encoder,train-cyclegan,train-pix2pix,inpaint,translate,sketch,generate,sample
BENCHES=bench-train,bench-translate,bench-inpaint,bench-model-quality,bench-labels-live
((${#CACHE[@]})) && BENCHES=$BENCHES,bench-photo,bench-photo-speed

minutes_s() { awk -v m="$1" 'BEGIN {printf "%d", m * 60}'; }

photo_model() {
    local box=$(($(minutes_s "$TRAIN_MIN") + 90))
    timeout -k 10 "$box" "$PY" -m trainer gan --config resources/models/configs/photos-dcgan64.toml \
        --data "$PHOTOS" -o "$RUNS/photos" --ema 0.9995 --no-tensorboard \
        --max-minutes "$TRAIN_MIN" "${TRAIN[@]}" || echo "photo GAN: exit $?"
    [[ -f $RUNS/photos/model.safetensors ]] || { echo "photo GAN: no model"; return 1; }
    box=$(($(minutes_s "$ENC_MIN") + 60))
    timeout -k 10 "$box" "$PY" -m trainer encoder \
        --config resources/models/configs/photos-dcgan64-encoder.toml --model "$RUNS/photos" \
        -o "$RUNS/photos-E" --no-tensorboard --max-minutes "$ENC_MIN" "${ENC[@]}" ||
        echo "encoder: exit $?"
    "$PY" -m trainer export "$RUNS/photos-E" --half -o "$OUT/photos-dcgan64.safetensors" ||
        "$PY" -m trainer export "$RUNS/photos" --half -o "$OUT/photos-dcgan64.safetensors"
    "$PY" -m trainer status "$RUNS/photos"
    "$PY" -m trainer status "$RUNS/photos-E"
}

# translator NAME COMMAND CONFIG [GPU_STEPS]: train in the time box, then export
translator() {
    local name=$1 command=$2 config=$3 steps=()
    [[ -n ${4:-} && ${#GPU_ITERS[@]} -gt 0 ]] && steps=("${GPU_ITERS[@]}" "$4")
    timeout -k 10 $(($(minutes_s "$TRAIN_MIN") + 90)) "$PY" -m trainer "$command" \
        --config "resources/models/configs/$config.toml" -o "$RUNS/$name" --no-tensorboard \
        --max-minutes "$TRAIN_MIN" "${TRAIN[@]}" "${SHORT[@]}" "${steps[@]}" ||
        echo "$name: exit $?"
    "$PY" -m trainer export "$RUNS/$name" --half -o "$OUT/$config.safetensors" &&
        "$PY" -m trainer status "$RUNS/$name"
}

train_model() {
    case $1 in
        photos) photo_model ;;
        spade) translator spade spade labels2scene-spade-v2 ;;
        labels) translator labels pix2pix labels2landscape-v2 20000 ;;
        edges) translator edges pix2pix edges2landscape-v2 20000 ;;
        day2night) translator day2night cyclegan day2night-v3 8000 ;;
    esac
}

echo "gpu_session: $([[ $DRY == 1 ]] && echo dry run || echo CUDA), total ${TOTAL} s, work in $WORK"
TRAINERS=()
for model in ${MODELS//,/ }; do
    train_model "$model" >"$WORK/logs/train-$model.log" 2>&1 &
    TRAINERS+=($!)
done
# On the GPU the functional steps share the trainings' time box; in the dry run its tiny
# steps are bounded by the machine's load instead, so they get half the session.
FUNCTIONAL_BUDGET=$(($(minutes_s "$TRAIN_MIN") + 60))
((DRY)) && FUNCTIONAL_BUDGET=$((TOTAL / 2))
bash benchmarks/gpu_check.sh "${CHECK[@]}" "${CACHE[@]}" --python "$PY" --out "$WORK/check" \
    --only "$FUNCTIONAL" --budget "$FUNCTIONAL_BUDGET" >"$WORK/logs/check.log" 2>&1
CHECK_RC=$?
echo "functional steps: exit $CHECK_RC, $(($(date +%s) - START)) s"
for model in ${MODELS//,/ }; do
    wait "${TRAINERS[0]}"
    echo "$model: exit $?, $(($(date +%s) - START)) s"
    TRAINERS=("${TRAINERS[@]:1}")
    # the training's own lines, not its progress bar's
    tr '\r' '\n' <"$WORK/logs/train-$model.log" | grep -v 'step/s\]$' | grep -v '^ *$' | tail -n 12
done
left=$((END - $(date +%s) - 25))
if ((left >= 30)); then
    # the dry run's edits use the functional phase's tiny model (the GPU's, bundled ones)
    ((DRY)) && mkdir -p "$WORK/bench" && cp -r "$WORK/check/runs" "$WORK/bench/"
    bash benchmarks/gpu_check.sh "${CHECK[@]}" "${CACHE[@]}" --python "$PY" --out "$WORK/bench" \
        --only "$BENCHES" --budget "$left" >"$WORK/logs/bench.log" 2>&1
    BENCH_RC=$?
    echo "benchmarks: exit $BENCH_RC, $(($(date +%s) - START)) s"
else
    BENCH_RC=1
    echo "benchmarks: not run, ${left} s left"
fi
cat "$WORK/check/summary.md" "$WORK/bench/summary.md" 2>/dev/null

# Pack: results (logs, summaries, figures, small pictures) as a tarball; the models are
# already in $OUT. Checkpoints stay behind: a machine is not kept between sessions.
# Pictures over 2 MB (the 2048 px inputs and outputs) stay behind too: the results must
# come back whole, and the device tool brings back at most 64 MiB.
(cd "$WORK" && find logs check bench runs -type f ! -name '*.pt' ! -name '*.safetensors' \
    ! -path '*/.userdata/*' ! -path '*/.sim/*' -size -2M 2>/dev/null |
    tar czf "$OUT/results.tgz" -T -)
for file in "$OUT"/*.tgz; do
    if (($(stat -c %s "$file") > 15 * 1024 * 1024)); then
        split -b 15M -d "$file" "$file.part" && rm "$file"
    fi
done
ls -la "$OUT"
echo "gpu_session: done in $(($(date +%s) - START)) s"
# everything is packed either way; the status says whether a check or benchmark failed
((CHECK_RC == 0 && BENCH_RC == 0))
