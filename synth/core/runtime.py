"""What this CPU runs fast: torch's kernel level, native bf16, and the thread count.

bf16 autocast is a win only where the CPU computes bf16 natively (AVX512-BF16 or AMX); on an
AVX2-only CPU torch emulates it and encoding ran ~7x slower than fp32 (../shared/notes). So
`dtype = "auto"` means bf16 only where it is native, and fp32 everywhere else: never slower
than fp32. `ATEN_CPU_CAPABILITY=avx2` makes torch use its AVX2 kernels on a bigger CPU, and
`get_cpu_capability()` then says "AVX2", so forcing it also forces fp32 here.

torch is imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

Dtype = Literal["auto", "fp32", "bf16"]


def cpu_capability() -> str:
    """torch's kernel level for this process: 'AVX2', 'AVX512', 'DEFAULT', 'SVE256', …"""
    import torch

    return torch.backends.cpu.get_cpu_capability()


def has_native_bf16() -> bool:
    """Whether torch's kernels here compute bf16 in hardware (AVX512-BF16 or AMX tiles)."""
    import torch

    if not cpu_capability().startswith("AVX512"):
        return False  # AVX2/default kernels (or forced to them) emulate bf16
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def use_bf16(dtype: Dtype) -> bool:
    """Whether to run bf16 autocast for `dtype` ('auto' decides by the CPU)."""
    if dtype == "auto":
        return has_native_bf16()
    return dtype == "bf16"


def available_cores() -> int:
    """Cores this process may use (its CPU affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """OMP_NUM_THREADS when the user set it, else the cores available."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else available_cores()


def set_threads(threads: int = 0) -> int:
    """Give torch `threads` intra-op threads (0: `default_threads()`); returns the number."""
    import torch

    chosen = threads or default_threads()
    if torch.get_num_threads() != chosen:
        torch.set_num_threads(chosen)
    return chosen


@dataclass(frozen=True, slots=True)
class CpuReport:
    capability: str
    native_bf16: bool
    dtype: str  # what runs: "bf16" or "fp32"
    requested: str  # what the settings asked for
    threads: int


def describe_cpu(requested: Dtype, threads: int = 0) -> CpuReport:
    """What a model run in this process would use, for `synth doctor` and benchmarks."""
    return CpuReport(
        capability=cpu_capability(),
        native_bf16=has_native_bf16(),
        dtype="bf16" if use_bf16(requested) else "fp32",
        requested=requested,
        threads=threads or default_threads(),
    )
