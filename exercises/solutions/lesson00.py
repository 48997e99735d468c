"""Reference solutions for lesson 00 (welcome; why video is hard)."""

import math

import torch


def count_values(video: torch.Tensor) -> int:
    """How many numbers a video ``[B, T, C, H, W]`` holds: B·T·C·H·W."""
    return video.numel()


def reverse_time(video: torch.Tensor) -> torch.Tensor:
    """Play a video backwards: frame t of the output is frame T-1-t of the input."""
    return video.flip(dims=[1])  # [B, T, C, H, W], axis 1 is time


def pixel_count(seconds: int, fps: int, height: int, width: int) -> int:
    """Pixels (positions, not values) in a clip: seconds·fps frames of height·width each."""
    num_frames = seconds * fps
    return num_frames * height * width


def video_bytes(shape: tuple[int, ...], dtype: torch.dtype) -> int:
    """Bytes a tensor of ``shape`` and ``dtype`` needs: number of values × bytes per value."""
    num_values = math.prod(shape)
    bytes_per_value = torch.empty((), dtype=dtype).element_size()  # fp32 4, fp16/bf16 2, uint8 1
    return num_values * bytes_per_value


def full_attention_flops(T: int, H: int, W: int, dim: int) -> int:
    """FLOPs of one full space-time attention layer over all T·H·W tokens of width dim.

    Four linear layers dim -> dim (Q, K, V and the output projection), each an
    [N, dim] @ [dim, dim] matmul: 2·N·dim² FLOPs (a multiply-add counts 2; biases not counted).
    The core: scores Q·Kᵀ are N·N dot products of length dim, 2·N²·dim FLOPs, and the weighted
    sum of values (scores · V) costs the same again.
    """
    N = T * H * W  # tokens
    linear = 4 * 2 * N * dim**2  # Q, K, V, output projection
    core = 2 * 2 * N**2 * dim  # Q·Kᵀ, then scores · V
    return linear + core
