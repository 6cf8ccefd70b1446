"""Train the reference models of the book on full Fashion-MNIST: the results table of the training
chapter and the checkpoints the chapters load. Resumable: each (mechanism, seed) run is written to
results/<data>/runs/ as soon as it ends and is skipped when run again, and a run that was stopped goes on from
its last finished epoch (its state is kept in <checkpoints>/partial/); the table covers every recorded run.

    python tools/train_reference.py --attn none,se,eca --epochs 6 --seeds 3
    python tools/train_reference.py --attn "ge(extent=2, extra_params=True)" --seeds 1
    python tools/train_reference.py --arch vit --attn none --lr 3e-3 --seeds 1
"""
import argparse, json, platform, time
from pathlib import Path
import pandas as pd
import torch
from visattn.data import fashion_mnist_dls
from visattn.core import list_attn, _ATTN
from visattn.train import compare_attn, attn_spec, split_specs, mechanisms, save_checkpoint, _summarise

def _order(label:str) -> str:
    "Baseline first, then the mechanisms in the order of the book's chapters, each before its variants; other architectures last."
    list_attn()                      # imports every chapter, which registers in book order
    book = ['none', *_ATTN, *mechanisms()]
    try: i = book.index(attn_spec(label)[0])
    except ValueError: i = len(book)
    return f'{i:03d} {label}'

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--attn', default='none,se,eca')
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--arch', default='resnet20')
    p.add_argument('--lr', type=float, default=1e-2)
    p.add_argument('--augment', action=argparse.BooleanOptionalAction, default=False, help='shift and flip training batches')
    p.add_argument('--results', default='results/fashion_mnist')
    p.add_argument('--checkpoints', default='checkpoints/fashion_mnist')
    a = p.parse_args()
    names = [attn_spec(n)[2] for n in split_specs(a.attn) if n]
    out = Path(a.results); (out / 'runs').mkdir(parents=True, exist_ok=True)
    dls = fashion_mnist_dls(bs=128, download=False, augment=a.augment)
    for seed in range(a.seeds):  # seed 0 of every mechanism first: its checkpoints are what the chapters show
        for name in names:
            # ResNet-20 runs are named by their mechanism; another architecture's by itself ('vit') or with it ('vit+se')
            label = name if a.arch == 'resnet20' else a.arch if name == 'none' else f'{a.arch}+{name}'
            f = out / 'runs' / f'{label}-{seed}.json'
            if f.exists(): continue
            cmp = compare_attn(dls, [name], a.epochs, [seed], a.arch, a.lr, progress=False, resume_dir=Path(a.checkpoints) / 'partial')
            run = cmp.runs.iloc[0].to_dict() | cmp.table.iloc[0][['arch', 'epochs', 'params', 'MFLOPs']].to_dict() | dict(attn=label)
            run |= dict(host=platform.processor() or platform.machine(), threads=torch.get_num_threads(), torch=torch.__version__, lr=a.lr, augment=a.augment)
            if seed == 0: save_checkpoint(cmp.learners[name], Path(a.checkpoints) / f'{label}.pt', epochs=a.epochs, seed=seed, accuracy=run['accuracy'])
            f.write_text(json.dumps(run, default=float, indent=1))
            print(f"{label} seed {seed}: accuracy {run['accuracy']:.4f}, {run['fit_s']:.0f} s", flush=True)
    # the table covers every recorded run, so `--seeds 0` only rebuilds it
    runs = pd.DataFrame([json.loads(f.read_text()) for f in sorted((out / 'runs').glob('*.json'))])
    runs = runs.sort_values(['attn', 'seed'], key=lambda c: c.map(_order) if c.name == 'attn' else c)
    cost = {n: r.iloc[0][['arch', 'epochs', 'params', 'MFLOPs']].to_dict() for n, r in runs.groupby('attn', sort=False)}
    table = _summarise(runs, cost)
    table.to_csv(out / 'results.csv', index=False)
    print(table.to_string())

if __name__ == '__main__': main()
