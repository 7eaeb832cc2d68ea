#!/usr/bin/env bash
# Every CUDA code path of ganpaint once, and every benchmark's CUDA row, in at most
# 8 minutes on one GPU; all results and logs under $OUT (summary.md is the table for
# benchmarks/RESULTS.md).
#
#   OUT=/some/empty/dir benchmarks/gpu_check.sh            # on the GPU machine
#   benchmarks/gpu_check.sh --dry-run --out /tmp/check     # the same on the CPU, tiny
#
# Options:
#   --dry-run        the same steps on the CPU with tiny sizes (gloo instead of NCCL),
#                    in a process environment that looks like the bare GPU machine
#                    (ganpaint not installed, no Qt); proves every command line valid
#   --out DIR        where everything goes (default: $OUT)
#   --python PY      the interpreter (default: $PYTHON, else python3)
#   --budget S       seconds after which no step starts and running ones are cut
#                    (default 450 on the GPU, 600 dry)
#   --photos DIR     the photo benchmark's cache (photo_sources.py's folder; default
#                    $GPU_CHECK_PHOTOS, else ~/.cache/ganpaint/photo-bench on the GPU
#                    run); its steps are skipped where it is missing. To take it along,
#                    copy it under the ignored build/ (28 MB) and pass
#                    --photos build/photo-bench
#   --jobs N         steps run at once (default 1 on the GPU, 2 dry)
#   --only A,B       run only these steps (names as in summary.md); --list lists them
#
# Every step runs under `timeout`, in the order below (most wanted first); a step that
# fails is recorded and the run goes on. Exit status: 0 if every step was ok or
# skipped by design, 1 otherwise. Runs from the repository root with PYTHONPATH=.
# and only the command lines of `python -m ganpaint`, `python -m trainer` and
# benchmarks/*.py, so it does not depend on where modules live.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

DRY=0
OUT=${OUT:-}
PY=${PYTHON:-python3}
BUDGET=
PHOTOS=${GPU_CHECK_PHOTOS:-}
JOBS=
ONLY=
LIST=0
while (($#)); do
    case $1 in
        --dry-run) DRY=1 ;;
        --out) OUT=$2; shift ;;
        --python) PY=$2; shift ;;
        --budget) BUDGET=$2; shift ;;
        --photos) PHOTOS=$2; shift ;;
        --jobs) JOBS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --list) LIST=1 ;;
        -h | --help) sed -n '2,/^set /p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# name | what it needs to have finished first ("dry:" only in the dry run) | limit on
# the GPU (s). The GPU's edits use the bundled models; the dry run's use its own.
STEPS=(
    "env||30"
    "imports||60"
    "inputs||30"
    "train-dcgan||120"
    "torchrun||120"
    "eval|train-dcgan|150"
    "train-encoder|train-dcgan|90"
    "train-cyclegan||90"
    "train-pix2pix||90"
    "inpaint|inputs dry:train-encoder|120"
    "translate|inputs|60"
    "bench-train||150"
    "bench-translate||180"
    "sketch|inputs|60"
    "generate|inputs dry:train-encoder|60"
    "sample|dry:train-encoder|45"
    "bench-inpaint|dry:train-encoder|180"
    "bench-model-quality||120"
    "bench-labels-live||60"
    "bench-photo||150"
    "bench-photo-speed||150"
    "bench-landscapes||10"
    "bench-ui||10"
)
declare -A listed=()
for entry in "${STEPS[@]}"; do # a step may only wait for one listed before it
    IFS='|' read -r name needs _ <<<"$entry"
    for dep in $needs; do
        dep=${dep#dry:}
        [[ -n ${listed[$dep]:-} ]] || { echo "gpu_check.sh: $name needs $dep, listed after it" >&2; exit 2; }
    done
    listed[$name]=1
done
if ((LIST)); then
    for entry in "${STEPS[@]}"; do echo "${entry%%|*}"; done
    exit 0
fi
if [[ -z $OUT ]]; then
    echo "gpu_check.sh: say where results go: OUT=DIR or --out DIR" >&2
    exit 2
fi
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2
rm -rf "$OUT/steps" "$OUT/logs" && mkdir -p "$OUT/steps" "$OUT/logs" "$OUT/bench" "$OUT/runs" "$OUT/edits"

if ((DRY)); then
    DEV=cpu
    BUDGET=${BUDGET:-600}
    JOBS=${JOBS:-2}
    # Look like the GPU machine: ganpaint uninstalled, no Qt, no test or app packages.
    "$PY" benchmarks/gpu_check_report.py simulate "$OUT/.sim" || exit 2
    export PYTHONPATH="$OUT/.sim:$ROOT"
    export OMP_NUM_THREADS=1 # two steps at a time on a small machine
else
    DEV=cuda
    BUDGET=${BUDGET:-450}
    JOBS=${JOBS:-1} # one GPU: steps one after another, so timings are clean
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    cached=${HOME:-/nonexistent}/.cache/ganpaint/photo-bench
    [[ -z $PHOTOS && -f $cached/manifest.json ]] && PHOTOS=$cached
fi
export PYTHONUNBUFFERED=1
export GANPAINT_DATA_DIR="$OUT/.userdata" # no user models or settings of this machine
export DRY DEV PY OUT PHOTOS
export IN="$OUT/inputs" RUNS="$OUT/runs" BENCH="$OUT/bench" EDITS="$OUT/edits"
export REPORT="benchmarks/gpu_check_report.py"
export DCGAN64="resources/models/landscapes-dcgan64.safetensors"

# DataLoader workers pass batches through /dev/shm; containers often have 64 MiB.
shm_kib=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
if ((DRY)); then
    WORKERS=0
elif ((${shm_kib:-0} >= 4 * 1024 * 1024)); then
    WORKERS=8
elif ((${shm_kib:-0} >= 1024 * 1024)); then
    WORKERS=2
else
    WORKERS=0
fi
export WORKERS

# ---- the steps: each prints what it did; `KEY: …` lines become the key figure -------

# Training flags every run shares (--amp and --channels-last only act on CUDA; the CPU
# accepts them with a note): tiny on the CPU, a few hundred steps on the GPU.
train_common() {
    if ((DRY)); then
        echo --device cpu --amp --channels-last --workers 0 --log-every 1 --sample-every 2 \
            --checkpoint-every 2
    else
        echo --device cuda --amp --channels-last --workers "$WORKERS" --log-every 50
    fi
}

step_env() {
    if ((DRY)); then
        echo "dry run: CPU only, no nvidia-smi"
        "$PY" "$REPORT" env
    else
        nvidia-smi || echo "nvidia-smi failed"
        df -h /dev/shm || true
        echo "DataLoader workers: $WORKERS"
        "$PY" "$REPORT" env --require-cuda
    fi
}

# the packages there, and every engine and trainer module importable without Qt
step_imports() { "$PY" "$REPORT" imports; }

step_inputs() {
    if ((DRY)); then
        "$PY" "$REPORT" inputs "$IN" --photo 96 --large 128
    else
        "$PY" "$REPORT" inputs "$IN" --photo 1024 --large 2048
    fi
}

step_train_dcgan() {
    # shellcheck disable=SC2046
    if ((DRY)); then
        "$PY" -m trainer gan -o "$RUNS/dcgan" $(train_common) --size 32 --ngf 8 --ndf 8 \
            --nz 16 --batch 2 --iters 2 --synthetic-n 16
    else
        # the 128 px photo model's shape (reference widths), on procedural data
        "$PY" -m trainer gan -o "$RUNS/dcgan" $(train_common) --size 128 --batch 64 \
            --iters 300 --sample-every 300 --checkpoint-every 300
    fi
}

step_torchrun() {
    # One process under torchrun still joins a process group and trains through DDP:
    # NCCL and SyncBatchNorm (no CPU kernel) on the GPU, gloo on the CPU.
    # shellcheck disable=SC2046
    if ((DRY)); then
        "$PY" -m torch.distributed.run --standalone --nproc_per_node=1 -m trainer gan \
            -o "$RUNS/torchrun" $(train_common) --size 32 --ngf 4 --ndf 4 --nz 16 --batch 2 \
            --iters 2 --synthetic-n 16 --no-tensorboard
    else
        NCCL_DEBUG=INFO "$PY" -m torch.distributed.run --standalone --nproc_per_node=1 \
            -m trainer gan -o "$RUNS/torchrun" $(train_common) --size 64 --batch 64 \
            --iters 100 --sample-every 100 --checkpoint-every 100 --sync-bn --no-tensorboard &&
            "$PY" "$REPORT" check-log "$LOGFILE" "NCCL version [^ ]+" "NCCL in use"
    fi &&
        "$PY" "$REPORT" check-log "$LOGFILE" "on [^\n]* x 1 processes" "a process group of one"
}

step_eval() {
    if ((DRY)); then
        "$PY" -m trainer eval "$RUNS/dcgan" -o "$OUT/eval" --device cpu -n 8 --batch 4
    else
        "$PY" -m trainer eval "$RUNS/dcgan" -o "$OUT/eval" --device cuda -n 512
    fi
}

step_train_cyclegan() {
    # shellcheck disable=SC2046
    if ((DRY)); then
        "$PY" -m trainer cyclegan -o "$RUNS/cyclegan" $(train_common) --size 32 --ngf 4 \
            --ndf 4 --iters 2 --synthetic-n 4 --test-every 2 --test-n 1 --no-tensorboard
    else
        "$PY" -m trainer cyclegan -o "$RUNS/cyclegan" $(train_common) --size 256 --iters 100 \
            --synthetic-n 200 --sample-every 100 --checkpoint-every 100 --test-every 100 \
            --test-n 4
    fi
}

step_train_pix2pix() {
    # shellcheck disable=SC2046
    if ((DRY)); then
        "$PY" -m trainer pix2pix -o "$RUNS/pix2pix" $(train_common) --size 32 --ngf 4 \
            --ndf 4 --iters 2 --synthetic-n 4 --test-every 2 --test-n 1 --no-tensorboard
    else
        "$PY" -m trainer pix2pix -o "$RUNS/pix2pix" $(train_common) --size 256 --batch 8 \
            --iters 100 --synthetic-n 200 --sample-every 100 --checkpoint-every 100 \
            --test-every 100 --test-n 4
    fi
}

step_train_encoder() {
    # shellcheck disable=SC2046
    if ((DRY)); then
        "$PY" -m trainer encoder --model "$RUNS/dcgan" -o "$RUNS/encoder" $(train_common) \
            --batch 2 --iters 2 --synthetic-n 8 --no-tensorboard
    else
        "$PY" -m trainer encoder --model "$RUNS/dcgan" -o "$RUNS/encoder" $(train_common) \
            --batch 64 --iters 200 --sample-every 200 --checkpoint-every 200
    fi
}

# The GAN the edits use: the bundled 64 px model on the GPU (figures comparable with
# RESULTS.md), the dry run's own tiny 32 px model with an encoder on the CPU.
edit_gan() {
    if ((DRY)); then echo "$RUNS/encoder/model.safetensors"; else echo "$DCGAN64"; fi
}

step_inpaint() {
    local fast=()
    ((DRY)) && fast=(--restarts 2 --iters 3 --refine-steps 1)
    # inpaint has no precision option: the inversion and tuning run in fp32
    "$PY" -m ganpaint inpaint "$IN/photo.png" --mask "$IN/mask.png" -o "$EDITS/inpaint.png" \
        --model "$(edit_gan)" --device "$DEV" --candidates "$EDITS/inpaint-candidates" \
        "${fast[@]}" && "$PY" "$REPORT" check-image "$EDITS/inpaint.png"
}

step_translate() {
    "$PY" -m ganpaint translate "$IN/large.png" -o "$EDITS/translate.png" --device "$DEV" \
        --precision bf16 --model resources/models/day2night.safetensors &&
        "$PY" "$REPORT" check-image "$EDITS/translate.png"
}

step_sketch() {
    "$PY" -m ganpaint sketch "$IN/sketch.png" -o "$EDITS/sketch.png" --device "$DEV" \
        --precision bf16 --model resources/models/edges2landscape.safetensors &&
        "$PY" "$REPORT" check-image "$EDITS/sketch.png"
}

step_generate() {
    local fast=()
    ((DRY)) && fast=(--restarts 2 --iters 3)
    "$PY" -m ganpaint generate --colors "$IN/colors.png" --edges "$IN/sketch.png" \
        -o "$EDITS/generate.png" --model "$(edit_gan)" --device "$DEV" "${fast[@]}" &&
        "$PY" "$REPORT" check-image "$EDITS/generate.png"
}

step_sample() {
    local n=64
    ((DRY)) && n=4
    "$PY" -m ganpaint sample -o "$EDITS/sample.png" --model "$(edit_gan)" --device "$DEV" \
        -n "$n" && "$PY" "$REPORT" check-image "$EDITS/sample.png"
}

step_bench_train() {
    if ((DRY)); then
        "$PY" benchmarks/train_bench.py --device cpu --model all --quick --batch 2 --size 32 \
            --steps 1 --rounds 1 --warmup 1 --json "$BENCH/train.json"
    else
        "$PY" benchmarks/train_bench.py --device cuda --model all --json "$BENCH/train.json"
    fi
}

step_bench_translate() {
    if ((DRY)); then
        "$PY" benchmarks/translate_bench.py --devices cpu --quick --small 32 --large 0 \
            --json "$BENCH/translate.json"
    else
        "$PY" benchmarks/translate_bench.py --devices cuda --json "$BENCH/translate.json"
    fi
}

step_bench_inpaint() {
    if ((DRY)); then
        "$PY" benchmarks/inpaint_bench.py --device cpu --model "$(edit_gan)" --images 1 \
            --families central --paper-iters 3 --threads 1 --json "$BENCH/inpaint.json" \
            --grid "$BENCH/inpaint.png"
    else
        "$PY" benchmarks/inpaint_bench.py --device cuda --model "$DCGAN64" --images 3 \
            --families central,half --threads 4 --json "$BENCH/inpaint.json" \
            --grid "$BENCH/inpaint.png"
    fi
}

step_bench_model_quality() {
    if ((DRY)); then
        "$PY" benchmarks/model_quality.py --device cpu --images 4 --size 64 --only day2night \
            --json "$BENCH/model_quality.json" --grids "$BENCH/model-quality-grids"
    else
        "$PY" benchmarks/model_quality.py --device cuda --images 64 \
            --json "$BENCH/model_quality.json" --grids "$BENCH/model-quality-grids"
    fi
}

step_bench_labels_live() {
    if ((DRY)); then
        "$PY" benchmarks/labels_live_bench.py --device cpu --side 64 --repeats 2 \
            --json "$BENCH/labels_live.json"
    else
        "$PY" benchmarks/labels_live_bench.py --device cuda --repeats 20 \
            --json "$BENCH/labels_live.json"
    fi
}

step_bench_photo() {
    "$PY" benchmarks/photo_inpaint_bench.py --cache "$PHOTOS" --device "$DEV" --quick \
        --methods "ganpaint,gan only,patch,telea" --json "$BENCH/photo.json" \
        --sheet "$BENCH/photo-sheet.jpg"
}

step_bench_photo_speed() {
    "$PY" benchmarks/photo_inpaint_bench.py --cache "$PHOTOS" --device "$DEV" --speed \
        --method gan,patch --repeat 2 --json "$BENCH/photo-speed.json"
}

# Why a step does not run here, if it does not (empty: it runs).
skip_reason() {
    case $1 in
        bench-photo | bench-photo-speed)
            if [[ -z $PHOTOS ]]; then
                echo "no photo cache (photo_sources.py's folder; pass --photos DIR)"
            elif [[ ! -f $PHOTOS/manifest.json ]]; then
                echo "no photo cache at $PHOTOS (no manifest.json)"
            fi
            ;;
        bench-landscapes) echo "CPU-only benchmark (procedural rendering), no GPU row" ;;
        bench-ui) echo "Qt app benchmark: no PySide6 on the GPU machine, no GPU row" ;;
    esac
}

# ---- the runner -----------------------------------------------------------------

START=$(date +%s)
DEADLINE=$((START + BUDGET))

# record NAME STATUS SECONDS RC LOG NOTE [CPU_SECONDS]
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-0}" \
        >"$OUT/steps/$1.tsv"
    printf '%-20s %-8s %6ss (CPU %5ss)  %s\n' "$1" "$2" "$3" "${7:-0}" "$6"
}

# CPU seconds (user + system) of the finished children, from `times` output in file $1
children_cpu() {
    awk 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

run_step() {
    local name=$1 needs=$2 limit=$3 dep reason fn start rc status note=""
    for dep in $needs; do # wait for what this step uses, if it is part of this run
        if [[ $dep == dry:* ]]; then
            ((DRY)) || continue
            dep=${dep#dry:}
        fi
        if [[ -z $ONLY || ,$ONLY, == *",$dep,"* ]]; then
            while [[ ! -e $OUT/steps/$dep.tsv ]]; do sleep 0.2; done
            if [[ $(cut -f2 "$OUT/steps/$dep.tsv") == failed ]]; then
                record "$name" failed 0 - "" "not run: needs $dep, which failed"
                return
            fi
        fi
    done
    reason=$(skip_reason "$name")
    if [[ -n $reason ]]; then
        record "$name" skipped 0 - "" "$reason"
        return
    fi
    local left=$((DEADLINE - $(date +%s) - 5))
    if ((left < 10)); then
        record "$name" failed 0 - "" "not run: the ${BUDGET} s budget is spent"
        return
    fi
    ((DRY)) && limit=180 # the CPU is slower, the sizes tiny; only a hang should hit it
    ((limit > left)) && limit=$left
    fn=step_${name//-/_}
    export LOGFILE="$OUT/logs/$name.log"
    start=$(date +%s.%N)
    timeout -k 10 "$limit" bash -c "$fn" </dev/null >"$LOGFILE" 2>&1
    rc=$?
    local seconds
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    if ((rc == 0)); then
        status=ok
    else
        status=failed
        note="exit $rc"
        ((rc == 124 || rc == 137)) && note="timed out after ${limit} s"
    fi
    times >"$OUT/steps/$name.times" # this subshell's children: the step's processes
    record "$name" "$status" "$seconds" "$rc" "$LOGFILE" "$note" \
        "$(children_cpu "$OUT/steps/$name.times")"
}

# shellcheck disable=SC2046
export -f $(compgen -A function step_) train_common edit_gan

echo "gpu_check: $([[ $DRY == 1 ]] && echo "dry run on the CPU" || echo "CUDA run"), OUT=$OUT," \
    "budget ${BUDGET} s, ${JOBS} at a time"
for entry in "${STEPS[@]}"; do
    IFS='|' read -r name needs limit <<<"$entry"
    [[ -n $ONLY && ,$ONLY, != *",$name,"* ]] && continue
    while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
    run_step "$name" "$needs" "$limit" &
    if [[ $name == env ]]; then # the GPU, driver and versions first, alone, and shown
        wait
        sed -n '1,45p' "$OUT/logs/env.log" 2>/dev/null
        echo
    fi
done
wait

: >"$OUT/steps.tsv"
for entry in "${STEPS[@]}"; do
    name=${entry%%|*}
    [[ -f $OUT/steps/$name.tsv ]] && cat "$OUT/steps/$name.tsv" >>"$OUT/steps.tsv"
done
if ((DRY)); then
    machine="$(getconf _NPROCESSORS_ONLN) CPUs, dry run (tiny sizes, CPU)"
else
    machine="$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null |
        head -1), $(getconf _NPROCESSORS_ONLN) CPUs"
fi
echo
"$PY" "$REPORT" summary "$OUT" --mode "$([[ $DRY == 1 ]] && echo dry-run || echo cuda)" \
    --device "$DEV" --machine "$machine" --budget "$BUDGET" --total "$(($(date +%s) - START))"
echo
if cut -f2 "$OUT/steps.tsv" | grep -qx failed; then
    echo "gpu_check: some steps failed (see summary.md and logs/)"
    exit 1
fi
echo "gpu_check: every step ok or skipped by design"
