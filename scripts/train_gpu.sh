#!/usr/bin/env bash
# GPU recipe for the shipped generative models: the per-frame image model, then the video
# model inflated from it, then a second, lower-lr pass over the video model; each stage runs
# inside a time budget (the trainer measures its own speed after 60 steps and fits the cosine
# schedule to the budget). On one H200 the first recipe (batch 128 clips, no compile, CPU data
# workers) took about 13 minutes in all and ran at about 1,540 clips/s, bound by kernel
# launches (tinyvid/weights/README.md). This one is built to get more out of the same minutes:
#
# - larger batches (4,096 frames, 512 clips) with the learning rate scaled by the square-root
#   rule from the batch it was tuned at (lr_ref_batch: 8e-4 at 1,024 frames, 4e-4 at 128 clips);
# - torch.compile (COMPILE=1, inductor; COMPILE_MODE=reduce-overhead adds CUDA graphs);
# - bf16 autocast (the trainer's amp, on by default on CUDA);
# - batches drawn on the GPU (DATA_DEVICE=cuda) instead of by CPU worker processes, which
#   would have to make several thousand clips a second to keep up.
# A stage that fails early is run again with the time left: without compile, then also in fp32.
#
#   bash scripts/train_gpu.sh                 # image 140 s, video 360 s + 150 s, export both
#   IMAGE_S=300 VIDEO_S=900 VIDEO2_S=300 bash scripts/train_gpu.sh
#   VIDEO_BATCH=128 COMPILE=0 DATA_DEVICE=cpu bash scripts/train_gpu.sh   # the first recipe's settings
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
IMAGE_BATCH=${IMAGE_BATCH:-4096}  # frames (lr 8e-4 was tuned at 1,024)
VIDEO_BATCH=${VIDEO_BATCH:-512}   # clips of 16 frames (lr 4e-4 was tuned at 128)
COMPILE=${COMPILE:-1}
COMPILE_MODE=${COMPILE_MODE:-default}
COMPILE_BACKEND=${COMPILE_BACKEND:-inductor}
DATA_DEVICE=${DATA_DEVICE:-$DEVICE}  # cpu on a GPU machine: worker processes make the batches
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
[ "$DATA_DEVICE" = "$DEVICE" ] && workers=0  # batches drawn on the training device, in its process
fast=(compile="$([ "$COMPILE" = 1 ] && echo true || echo false)" compile_mode="$COMPILE_MODE"
      compile_backend="$COMPILE_BACKEND" data_device="$DATA_DEVICE" workers="$workers")
echo "device $DEVICE, $cores cores, /dev/shm ${shm_mb:-?} MB free; data on $DATA_DEVICE, $workers data workers; compile=$COMPILE ($COMPILE_MODE, $COMPILE_BACKEND)"
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

# stage() PRESET NAME BUDGET ARGS...: train with the fast settings; if that fails early, again
# with the time left without compile, then also without bf16 autocast
stage() {
    local preset=$1 name=$2 budget=$3; shift 3
    local t0=$SECONDS spent=0 fallback
    for fallback in "" "compile=false" "compile=false amp=false"; do
        if [ -n "$fallback" ]; then
            [ "$spent" -lt $(( budget / 2 )) ] || return 1
            echo "== $name failed after ${spent} s; again with $fallback and the time left" >&2
            rm -rf "${RUNS:?}/$name"
        fi
        # shellcheck disable=SC2086  # $fallback and $EXTRA are lists of KEY=VALUE words
        $PY -m tinyvid train "$preset" --set name="$name" out_dir="$RUNS" device="$DEVICE" \
            time_budget_s=$(( budget - spent )) "${fast[@]}" "$@" $EXTRA $fallback && return 0
        spent=$(( SECONDS - t0 ))
    done
    return 1
}

echo "== image model ($IMAGE_S s)"
image_weights=tinyvid/weights/image_video.safetensors  # the shipped one, if this stage fails
failed=0
if stage image-unet image "$IMAGE_S" batch_size="$IMAGE_BATCH" lr=8e-4 lr_ref_batch=1024 steps=100000 \
        warmup_steps=100 ema_decay=0.998 ckpt_every=1000 log_every=50; then
    $PY scripts/export_pipeline.py "$RUNS/image" image --rebuild "$REBUILD" --folder "$WEIGHTS" \
        && image_weights=$RUNS/image/model.safetensors || failed=1
else
    failed=1
fi
pack

echo "== video model ($VIDEO_S s), inflated from $image_weights"
video_args=(batch_size="$VIDEO_BATCH" lr_ref_batch=128 steps=100000 ema_decay=0.998 ckpt_every=1000
            log_every=50)
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
