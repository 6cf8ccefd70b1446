"""Every chapter through nbdev's notebook runner, one pytest test per notebook.

Each notebook runs in a fresh interpreter, as in a reader's new kernel, so that what one
chapter registers or patches cannot leak into the next. Cells flagged with a test flag from
`tst_flags` are skipped unless the flag is in VISATTN_TEST_FLAGS (space separated); `cuda`
is added when a GPU is present."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from nbdev.config import get_config

CFG = get_config(Path(__file__).parent)
NOTEBOOKS = sorted(p for p in CFG.path('nbs_path').glob('*.ipynb') if not p.name.startswith('_'))
RUNNER = """
import sys
from nbdev.test import test_nb
ok, secs = test_nb(sys.argv[1], skip_flags=sys.argv[3].split(), basepath=sys.argv[2], showerr=True)
sys.exit(0 if ok else 1)
"""


def _skip_flags():
    run = set(os.environ.get('VISATTN_TEST_FLAGS', '').split())
    if torch.cuda.is_available(): run.add('cuda')
    return [f for f in CFG.tst_flags.split() if f not in run]


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb):
    res = subprocess.run([sys.executable, '-c', RUNNER, str(nb), str(CFG.config_path), ' '.join(_skip_flags())],
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, f"{nb.name} failed:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
