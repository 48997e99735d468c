#!/usr/bin/env bash
# Rebuild every shipped file in tinyvid/weights/, in dependency order.
#
#   bash scripts/train_all.sh            # everything
#   bash scripts/train_all.sh video      # from one stage on: autoencoder|detector|image|video
#   bash scripts/train_all.sh gpu        # the image and video models on one GPU (train_gpu.sh)
#
# Each stage resumes from runs/NAME/last.safetensors if a previous attempt was interrupted.
# CPU recipe (2 cores; see tinyvid/weights/README.md for measured wall times):
#   autoencoder ~16-28 min, detector ~5-15 min, image model ~17 min (3,000 steps of 64 frames),
#   video model: hours. Expected on 2 cores: the image preset (3,000 steps × 64 frames, 25 min)
#   drew digits read back 25 % of the time; 600 video steps (batch 32, 2.2-3 s a step) still
#   moved nothing. The shipped weights saw 2 M frames and 717 k clips (RESULTS.md): on 2 cores
#   that is roughly 3 hours of image training and 14-19 hours of video training.
# GPU recipe for the image and video models: scripts/train_gpu.sh (about 13 minutes on one
# H200: larger batches, data-generating workers, time budgets). The trainer picks CUDA and
# bf16 autocast by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = gpu ]; then
    exec bash scripts/train_gpu.sh
fi
PY=${PY:-.venv/bin/python}
from=${1:-autoencoder}
stages=(autoencoder detector image video)
run=0
for stage in "${stages[@]}"; do
    [ "$stage" = "$from" ] && run=1
    [ "$run" = 1 ] || continue
    echo "== $stage"
    case "$stage" in
        autoencoder)
            $PY -m tinyvid train autoencoder
            $PY scripts/export_autoencoder.py runs/autoencoder ;;
        detector)
            $PY -m tinyvid train-detector ;;
        image)
            $PY -m tinyvid train image-unet
            $PY scripts/export_pipeline.py runs/image-unet image ;;
        video)
            # the image model inflated with identity temporal layers, fine-tuned on video
            $PY -m tinyvid train video-unet
            $PY scripts/export_pipeline.py runs/video-unet default ;;
    esac
done
(cd tinyvid/weights && sha256sum -c MANIFEST)
