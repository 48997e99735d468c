#!/usr/bin/env bash
# GPU recipe for the shipped generative models: the per-frame image model, then the video
# model inflated from it, then a second, lower-lr pass over the video model; each stage runs
# inside a time budget (the trainer measures its own speed after 60 steps and fits the cosine
# schedule to the budget). On one H200 the defaults take about 13 minutes in all, start-up of
# each stage included (the shipped weights: see tinyvid/weights/README.md).
#
#   bash scripts/train_gpu.sh                 # image 140 s, video 360 s + 150 s, export both
#   IMAGE_S=300 VIDEO_S=900 VIDEO2_S=300 bash scripts/train_gpu.sh
#   PACK=results.tar.gz bash scripts/train_gpu.sh   # also pack weights, logs and previews
#   EXTRA="model_preset=tiny" bash scripts/train_gpu.sh  # more KEY=VALUE settings for every stage
#
# Each stage writes runs/NAME/{log.jsonl,loss.png,preview.gif,model.safetensors}; the
# exports write tinyvid/weights/{image,default}_video.*, the autoencoder they share
# (default_autoencoder.*) and MANIFEST.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
RUNS=${RUNS:-runs}
WEIGHTS=${WEIGHTS:-tinyvid/weights}  # where the exports go (with their MANIFEST lines)
IMAGE_S=${IMAGE_S:-140}
VIDEO_S=${VIDEO_S:-360}
VIDEO2_S=${VIDEO2_S:-150}
DEVICE=${DEVICE:-cuda}
PACK=${PACK:-}
EXTRA=${EXTRA:-}  # KEY=VALUE settings added to every stage (word-split on purpose)
IMAGE_BATCH=${IMAGE_BATCH:-1024}  # frames
VIDEO_BATCH=${VIDEO_BATCH:-128}   # clips of 16 frames
REBUILD="bash scripts/train_gpu.sh (on one GPU)"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1

# data workers: each keeps a few batches in shared memory; stay well inside /dev/shm
shm_mb=$(df -Pm /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')
cores=$(nproc)
workers=$(( cores > 4 ? cores - 4 : 1 ))
[ "$workers" -gt 12 ] && workers=12
if [ -n "$shm_mb" ] && [ "$shm_mb" -lt $(( workers * 2 * 34 * 2 )) ]; then
    workers=$(( shm_mb / (2 * 34 * 2) ))
fi
echo "device $DEVICE, $cores cores, /dev/shm ${shm_mb:-?} MB free -> $workers data workers"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader

pack() {
    [ -n "$PACK" ] || return 0
    local files=()
    for f in "$WEIGHTS"/MANIFEST "$WEIGHTS"/{image_video,default_video,default_autoencoder}.{safetensors,json}; do
        [ -f "$f" ] && files+=("$f")
    done
    for r in image video-unet video-unet-2; do
        for f in config.json log.jsonl loss.png preview.gif; do
            [ -f "$RUNS/$r/$f" ] && files+=("$RUNS/$r/$f")
        done
    done
    tar czf "$PACK.tmp" "${files[@]}" && mv "$PACK.tmp" "$PACK" && echo "packed ${#files[@]} files into $PACK"
}

# stage() PRESET NAME BUDGET ARGS...: train, and once more without bf16 autocast if that
# failed early
stage() {
    local preset=$1 name=$2 budget=$3; shift 3
    local t0=$SECONDS
    # shellcheck disable=SC2086
    $PY -m tinyvid train "$preset" --set name="$name" out_dir="$RUNS" device="$DEVICE" \
        time_budget_s="$budget" "$@" $EXTRA && return 0
    local spent=$(( SECONDS - t0 ))
    if [ "$spent" -lt $(( budget / 2 )) ]; then
        echo "== $name failed after ${spent} s; again in fp32 with the time left" >&2
        rm -rf "${RUNS:?}/$name"
        # shellcheck disable=SC2086
        $PY -m tinyvid train "$preset" --set name="$name" out_dir="$RUNS" device="$DEVICE" amp=false \
            time_budget_s=$(( budget - spent )) "$@" $EXTRA && return 0
    fi
    return 1
}

echo "== image model ($IMAGE_S s)"
image_weights=tinyvid/weights/image_video.safetensors  # the shipped one, if this stage fails
failed=0
if stage image-unet image "$IMAGE_S" batch_size="$IMAGE_BATCH" lr=8e-4 steps=100000 warmup_steps=100 \
        ema_decay=0.998 ckpt_every=1000 log_every=50 workers="$workers"; then
    $PY scripts/export_pipeline.py "$RUNS/image" image --rebuild "$REBUILD" --folder "$WEIGHTS" \
        && image_weights=$RUNS/image/model.safetensors || failed=1
else
    failed=1
fi
pack

echo "== video model ($VIDEO_S s), inflated from $image_weights"
video_args=(batch_size="$VIDEO_BATCH" steps=100000 ema_decay=0.998 ckpt_every=1000 log_every=50
            workers="$workers")
if stage video-unet video-unet "$VIDEO_S" init_from="$image_weights" lr=4e-4 temporal_lr_mult=2.5 \
        warmup_steps=100 "${video_args[@]}"; then
    $PY scripts/export_pipeline.py "$RUNS/video-unet" default --guidance 4 --rebuild "$REBUILD" --folder "$WEIGHTS" || failed=1
    pack
    echo "== video model, second pass ($VIDEO2_S s, lower lr)"
    stage video-unet video-unet-2 "$VIDEO2_S" init_from="$RUNS/video-unet/model.safetensors" \
        lr=1.5e-4 temporal_lr_mult=2.0 warmup_steps=20 "${video_args[@]}" \
        && $PY scripts/export_pipeline.py "$RUNS/video-unet-2" default --guidance 4 --rebuild "$REBUILD" --folder "$WEIGHTS" \
        || failed=1
else
    failed=1
fi
pack
[ "$failed" = 0 ] || echo "some stage failed: see above" >&2
exit "$failed"
