"""Every chapter through nbdev's notebook runner, one pytest test per notebook.

Cells flagged with a test flag from `tst_flags` are skipped unless the flag is in
VISATTN_TEST_FLAGS (space separated); `cuda` is added when a GPU is present."""
import os
from pathlib import Path

import pytest
import torch
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

CFG = get_config(Path(__file__).parent)
NOTEBOOKS = sorted(p for p in CFG.path('nbs_path').glob('*.ipynb') if not p.name.startswith('_'))


def _skip_flags():
    run = set(os.environ.get('VISATTN_TEST_FLAGS', '').split())
    if torch.cuda.is_available(): run.add('cuda')
    return [f for f in CFG.tst_flags.split() if f not in run]


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    ok, secs = run_notebook(nb, skip_flags=_skip_flags(), basepath=CFG.config_path, showerr=True)
    assert ok, f"{nb.name} failed (traceback above)"
