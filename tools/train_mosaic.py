"""Train MosaicNet variants on Fashion-MNIST mosaics: the results table of the detection-side chapters and
their checkpoints. Resumable: each (model, seed) run is written to results/mosaic/runs/ as soon as it ends
and is skipped when run again; the table covers every recorded run.

    python tools/train_mosaic.py --models fpn,fpn+dyhead,dcn+fpn+dyhead --epochs 6 --seeds 3
    python tools/train_mosaic.py --models "attn_fpn(op='mssa')" --seeds 1

A model is its parts' specs joined by '+' (see visattn.mosaic.mosaic_spec); several models are separated by commas.
"""
import argparse, json, platform
from pathlib import Path
import pandas as pd
import torch
from visattn.core import count_params, count_flops
from visattn.train import split_specs
from visattn.mosaic import mosaic_dls, mosaic_learner, mosaic_spec, mosaic_label, fit_mosaic, save_mosaic_checkpoint

# settings a recorded run must share with this one to be reused instead of retrained
SETTINGS = ('epochs', 'lr', 'bs', 'n_train', 'n_valid', 'data_seed', 'width', 'out_channels')

def summarise(runs:pd.DataFrame) -> pd.DataFrame:
    "One row per model: mean and standard deviation of mAP over seeds, the other metrics' means, and the cost."
    g = runs.groupby('model', sort=False)
    t = pd.DataFrame(dict(seeds=g.size(), mAP=g.mAP.mean(), mAP_std=g.mAP.std(), mAPs=g.mAP.agg(lambda a: ' '.join(f'{v:.4f}' for v in a)),
                          accuracy_multi=g.accuracy_multi.mean(), subset_accuracy=g.subset_accuracy.mean(), valid_loss=g.valid_loss.mean(),
                          params=g.params.first(), MFLOPs=g.MFLOPs.first(), epochs=g.epochs.first(), images_per_s=g.images_per_s.mean(), fit_s=g.fit_s.mean()))
    return t.reset_index()

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', default='fpn', help="comma-separated model specs, e.g. 'fpn,fpn+dyhead'")
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--lr', type=float, default=1e-2)
    p.add_argument('--bs', type=int, default=128)
    p.add_argument('--n-train', type=int, default=20_000)
    p.add_argument('--n-valid', type=int, default=5_000)
    p.add_argument('--data-seed', type=int, default=0, help='seed of the mosaic layouts (fixed across training seeds)')
    p.add_argument('--width', type=int, default=16)
    p.add_argument('--out-channels', type=int, default=64)
    p.add_argument('--results', default='results/mosaic')
    p.add_argument('--checkpoints', default='checkpoints/mosaic')
    p.add_argument('--progress', action='store_true', help="print fastai's table of losses and metrics after every epoch")
    a = p.parse_args()
    settings = {k: getattr(a, k) for k in SETTINGS}
    models = list(dict.fromkeys(mosaic_label(**mosaic_spec(m)) for m in split_specs(a.models) if m))   # canonical labels; fails early on unknown parts
    out = Path(a.results); (out / 'runs').mkdir(parents=True, exist_ok=True)
    dls = mosaic_dls(a.n_train, a.n_valid, a.bs, a.data_seed)
    xb = dls.valid.one_batch()[0][:1].float().cpu()
    for seed in range(a.seeds):  # seed 0 of every model first: its checkpoints are what the chapters show
        for model in models:
            f = out / 'runs' / f'{model}-{seed}.json'
            if f.exists():
                old = {k: json.loads(f.read_text()).get(k) for k in SETTINGS}
                if old != settings: raise SystemExit(f"{f} was recorded with {old}, this run asks for {settings}: use another --results folder")
                continue
            learn = mosaic_learner(dls, **mosaic_spec(model), seed=seed, model_kwargs=dict(width=a.width, out_channels=a.out_channels))
            run = dict(model=model, seed=seed, **fit_mosaic(learn, a.epochs, a.lr, progress=a.progress))
            net = learn.model.float().cpu().eval()
            run |= dict(params=count_params(net), MFLOPs=count_flops(net, xb.contiguous(memory_format=torch.channels_last)) / 1e6, **settings,
                        host=platform.processor() or platform.machine(), threads=torch.get_num_threads(), torch=torch.__version__,
                        device=str(xb.device if not torch.cuda.is_available() else torch.cuda.get_device_name()))
            if seed == 0: save_mosaic_checkpoint(learn, Path(a.checkpoints) / f'{model}.pt', **{k: run[k] for k in ('seed', 'epochs', 'mAP', 'accuracy_multi', 'subset_accuracy')})
            f.write_text(json.dumps(run, default=float, indent=1))
            print(f"{model} seed {seed}: mAP {run['mAP']:.4f}, subset accuracy {run['subset_accuracy']:.4f}, {run['fit_s']:.0f} s", flush=True)
    # the table covers every recorded run, so `--seeds 0` only rebuilds it
    runs = pd.DataFrame([json.loads(f.read_text()) for f in sorted((out / 'runs').glob('*.json'))])
    if not len(runs): return
    order = {m: i for i, m in enumerate(models)}
    runs = runs.sort_values(['model', 'seed'], key=lambda c: c.map(lambda m: f'{order.get(m, len(order)):03d} {m}') if c.name == 'model' else c)
    table = summarise(runs)
    table.to_csv(out / 'results.csv', index=False)
    print(table.to_string())

if __name__ == '__main__': main()
