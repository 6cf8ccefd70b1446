#!/usr/bin/env python
"""Benchmark the Triton kernels of `visattn.ops` against the references they replace.

For each operation, forward time (inference, no autograd), forward+backward time, and the peak memory of
each above what was allocated before, side by side:

- MSDeformAttn at the Deformable-DETR encoder shape (N=2, levels 100×167, 50×84, 25×42, 13×21, M=8, D=32,
  P=4, every token a query) and decoder shape (Lq=300), float32 and bfloat16: 'triton' vs the grid_sample
  'reference' backend;
- DCNv2 at ResNet-50-DCN stage shapes (N=8; 128@100×167, 256@50×84, 512@25×42, 3×3, stride 1), float32 and
  float16: 'triton' vs 'torchvision';
- the SE gate y = x·σ(mean(x)) at 8×256×56×56, contiguous and channels-last: the Triton kernels vs eager
  PyTorch and torch.compile.

    python tools/bench_ops.py           # on a GPU
    python tools/bench_ops.py --smoke   # tiny shapes; without a GPU, on the CPU under Triton's interpreter

Not a test: it checks nothing but that everything runs. Times are medians over --reps calls.
"""
import argparse
import math
import os
import statistics
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--smoke', action='store_true', help='tiny shapes, one repetition; runs on the CPU under the Triton interpreter')
    p.add_argument('--only', choices=('msda', 'dcn', 'gate'), action='append', help='run only these benchmarks (repeatable)')
    p.add_argument('--reps', type=int, default=None, help='timed calls per measurement (default 20, smoke 1)')
    return p.parse_args(argv)


args = parse_args()
import torch  # noqa: E402  (importing torch does not import Triton, so the interpreter can still be switched on)

if not torch.cuda.is_available():
    if not args.smoke: sys.exit('bench_ops.py: no GPU; run with --smoke to check the script on the CPU')
    os.environ['TRITON_INTERPRET'] = '1'   # before visattn.ops defines its kernels

import pandas as pd  # noqa: E402
from visattn.deform_attn import MSDeformAttn  # noqa: E402
from visattn.deform_conv import modulated_deform_conv2d  # noqa: E402
from visattn import ops  # noqa: E402

DEV = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
REPS = args.reps or (1 if args.smoke else 20)


def measure(fn) -> tuple[float, float]:
    "Median milliseconds of fn() over REPS calls after one warm-up call, and its peak memory in MiB above the start (CUDA only)."
    fn()
    if DEV.type == 'cuda':
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(REPS):
        if DEV.type == 'cuda':
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record(); fn(); end.record(); torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter(); fn(); times.append(1e3 * (time.perf_counter() - t))
    peak = (torch.cuda.max_memory_allocated() - base) / 2 ** 20 if DEV.type == 'cuda' else math.nan
    return statistics.median(times), peak


def row(op, impl, dtype, shape, forward, loss, params):
    "One table row: forward under no_grad, then forward + backward of loss() with gradients cleared between calls."
    def fwd():
        with torch.no_grad(): forward()
    def fwd_bwd():
        for p in params: p.grad = None
        loss().backward()
    (t_f, m_f), (t_fb, m_fb) = measure(fwd), measure(fwd_bwd)
    return dict(op=op, shape=shape, dtype=str(dtype).replace('torch.', ''), impl=impl, **{'fwd ms': t_f, 'fwd+bwd ms': t_fb,
                'fwd peak MiB': m_f, 'fwd+bwd peak MiB': m_fb})


def bench_msda():
    if args.smoke: levels, d_model, heads, points = [(6, 7), (3, 4)], 16, 2, 2
    else: levels, d_model, heads, points = [(100, 167), (50, 84), (25, 42), (13, 21)], 256, 8, 4
    shapes = torch.tensor(levels, device=DEV)
    starts = torch.cat([shapes.new_zeros(1), shapes.prod(1).cumsum(0)[:-1]])
    S, N = int(shapes.prod(1).sum()), (1 if args.smoke else 2)
    rows = []
    for name, Lq in (('encoder', S), ('decoder', 5 if args.smoke else 300)):
        for dtype in (torch.float32, torch.bfloat16):
            g = torch.Generator(device=DEV).manual_seed(0)
            src = torch.randn(N, S, d_model, device=DEV, generator=g).to(dtype)
            query = torch.randn(N, Lq, d_model, device=DEV, generator=g).to(dtype).requires_grad_()
            ref = torch.rand(N, Lq, len(levels), 2, device=DEV, generator=g).to(dtype)
            torch.manual_seed(0)
            base = MSDeformAttn(d_model, len(levels), heads, points).to(DEV, dtype)
            for impl in ('triton', 'reference'):
                m = MSDeformAttn(d_model, len(levels), heads, points, backend=impl).to(DEV, dtype)
                m.load_state_dict(base.state_dict())
                fwd = lambda: m(query, ref, src, shapes, starts)
                rows.append(row('MSDeformAttn', impl, dtype, f'{name} N={N} Lq={Lq}', fwd, lambda: fwd().float().square().mean(),
                                [query, *m.parameters()]))
    return rows


def bench_dcn():
    stages = [(16, 6, 7)] if args.smoke else [(128, 100, 167), (256, 50, 84), (512, 25, 42)]
    B, rows = (2 if args.smoke else 8), []
    for C, H, W in stages:
        for dtype in (torch.float32, torch.float16):
            g = torch.Generator(device=DEV).manual_seed(0)
            x = torch.randn(B, C, H, W, device=DEV, generator=g).to(dtype).requires_grad_()
            off = (2 * torch.randn(B, 18, H, W, device=DEV, generator=g)).to(dtype).requires_grad_()
            msk = torch.rand(B, 9, H, W, device=DEV, generator=g).to(dtype).requires_grad_()
            w = (torch.randn(C, C, 3, 3, device=DEV, generator=g) / (3 * C ** .5)).to(dtype).requires_grad_()
            b = torch.zeros(C, device=DEV, dtype=dtype, requires_grad=True)
            for impl in ('triton', 'torchvision'):
                fwd = lambda: modulated_deform_conv2d(x, off, msk, w, b, 1, 1, 1, backend=impl)
                rows.append(row('DCNv2 3×3', impl, dtype, f'B={B} {C}@{H}×{W}', fwd, lambda: fwd().float().square().mean(), [x, off, msk, w, b]))
    return rows


def gate_eager(x): return x * torch.sigmoid(x.mean((2, 3), keepdim=True))
def gate_triton(x): return ops.scale_channels_triton(x, torch.sigmoid(ops.channel_mean_triton(x)))


def bench_gate():
    B, C, H, W = (2, 16, 6, 7) if args.smoke else (8, 256, 56, 56)
    compiled = torch.compile(gate_eager, backend='aot_eager' if DEV.type == 'cpu' else 'inductor')   # no C++ toolchain needed on the CPU
    rows = []
    for fmt in (torch.contiguous_format, torch.channels_last):
        for dtype in (torch.float32, torch.bfloat16):
            x = torch.randn(B, C, H, W, device=DEV).to(dtype).contiguous(memory_format=fmt).requires_grad_()
            for impl, fn in (('triton', gate_triton), ('eager', gate_eager), ('torch.compile', compiled)):
                layout = 'channels_last' if fmt == torch.channels_last else 'contiguous'
                rows.append(row('SE gate x·σ(mean x)', impl, dtype, f'{B}×{C}×{H}×{W} {layout}', lambda: fn(x),
                                lambda: fn(x).float().square().mean(), [x]))
    return rows


def main():
    print(f"device: {torch.cuda.get_device_name() if DEV.type == 'cuda' else 'CPU, Triton interpreter'}; "
          f"torch {torch.__version__}; {'smoke shapes' if args.smoke else 'real shapes'}; median of {REPS} calls; peak memory on CUDA only")
    benches = dict(msda=bench_msda, dcn=bench_dcn, gate=bench_gate)
    for name in args.only or list(benches):
        df = pd.DataFrame(benches[name]()).set_index(['op', 'shape', 'dtype', 'impl'])
        print(f"\n{df.to_string(float_format=lambda v: f'{v:9.2f}')}", flush=True)


if __name__ == '__main__':
    main()
