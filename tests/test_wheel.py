"""The wheel users `pip install` must contain every module the notebooks export."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_every_exported_module(tmp_path):
    res = subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    wheels = list(tmp_path.glob('visattn-*.whl'))
    assert len(wheels) == 1, wheels
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    modules = {f'visattn/{p.name}' for p in (ROOT / 'visattn').glob('*.py')}
    assert {'visattn/core.py', 'visattn/squeeze_excite.py', 'visattn/eca.py', 'visattn/_modidx.py'} <= modules
    assert modules <= names, modules - names
    meta = next(n for n in names if n.endswith('METADATA'))
    text = zipfile.ZipFile(wheels[0]).read(meta).decode()
    assert 'Requires-Dist: torch' in text and 'License-Expression: Apache-2.0' in text
    ep = next(n for n in names if n.endswith('entry_points.txt'))
    assert 'visattn = visattn.cli:main_exit' in zipfile.ZipFile(wheels[0]).read(ep).decode()
