"""nbdev's docs processing (what Quarto renders) must succeed for every notebook, without Quarto."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_docs_processing(tmp_path):
    for p in ('nbs', 'visattn', 'tools'): shutil.copytree(ROOT / p, tmp_path / p, ignore=shutil.ignore_patterns('__pycache__'))
    for p in ('pyproject.toml', 'README.md', 'LICENSE'): shutil.copy(ROOT / p, tmp_path / p)
    res = subprocess.run([sys.executable, 'tools/proc_docs.py', str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    notebooks = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    processed = sorted(p.name for p in (tmp_path / '_proc').glob('*.ipynb'))
    assert processed == notebooks
    # every exported symbol of a chapter gets its show_doc entry
    for mod, nb in [('SqueezeExcite', '01_squeeze_excite.ipynb'), ('ECA', '02_eca.ipynb'), ('create_attn', '00_core.ipynb'),
                    ('CBAM', '03_cbam.ipynb'), ('BAM', '04_bam.ipynb'), ('GatherExcite', '05_gather_excite.ipynb'),
                    ('SelectiveKernel', '06_selective_kernel.ipynb'), ('SplitAttn', '07_split_attn.ipynb'),
                    ('CondConv2d', '08_cond_conv.ipynb'), ('DynamicConv2d', '09_dynamic_conv.ipynb'),
                    ('MultiHeadSelfAttention', '10_mhsa.ipynb'), ('ModulatedDeformConv2d', '11_deform_conv.ipynb'), ('MSDeformAttn', '13_deform_attn.ipynb'), ('AttnFPN', '14_feature_agg.ipynb'), ('ms_deform_attn_triton', '30_ops.ipynb'),
                    ('attn_learner', '22_train.ipynb'), ('capture_attn', '23_viz.ipynb'), ('main', '24_cli.ipynb'), ('MosaicNet', '25_mosaic.ipynb')]:
        text = json.dumps(json.loads((tmp_path / '_proc' / nb).read_text()))
        assert f'### {mod}' in text, f'no show_doc entry for {mod} in {nb}'
