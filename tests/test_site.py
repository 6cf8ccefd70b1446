"""The docs site, checked in a real browser without Quarto (tools/preview.py, what `make docs` builds here).

nbdev processes a copy of the project, pandoc renders one page per notebook (MathML equations, embedded figures,
the sidebar's parts), then: every notebook has a titled page and a sidebar entry, every internal link and anchor
resolves, and every page renders in headless Chromium with its figures loaded, its equations converted and
rendered, and no raw `$$`/LaTeX text left. Screenshots of two pages are kept in test-artifacts/site/.
pandoc and chromium come from Debian and are installed with apt-get when missing; without them the tests fail."""
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
import preview  # noqa: E402

ARTIFACTS = ROOT / 'test-artifacts' / 'site'


def _say(capsys, msg):
    "A line on the terminal even though pytest captures output."
    with capsys.disabled(): print(f'\n{msg}', flush=True)


def _fmt(probs): return '\n'.join(f'  - {p}' for p in probs)


@pytest.fixture(scope='module')
def site_tools():
    try: preview.ensure_tools('pandoc', 'chromium')
    except RuntimeError as e:
        pytest.fail(f"The site check needs Debian's pandoc and chromium and could not get them: {e}", pytrace=False)


@pytest.fixture(scope='module')
def site(site_tools, tmp_path_factory):
    "The preview of a copy of the project (nbdev's processing writes into the project it runs in)."
    tmp = tmp_path_factory.mktemp('site')
    for p in ('nbs', 'visattn', 'tools'): shutil.copytree(ROOT / p, tmp / p, ignore=shutil.ignore_patterns('__pycache__'))
    for p in ('pyproject.toml', 'README.md', 'LICENSE'): shutil.copy(ROOT / p, tmp / p)
    try: rec = preview.build(tmp, tmp / '_preview')
    except RuntimeError as e: pytest.fail(str(e), pytrace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / 'build.json').write_text(json.dumps(rec, indent=1))
    return rec


def test_a_titled_page_per_notebook(site):
    notebooks = sorted(p.name for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    assert sorted(site['pages']) == notebooks
    out = Path(site['out'])
    for nb, p in site['pages'].items(): assert (out / p['page']).is_file(), f'no page for {nb}'
    assert site['pages']['index.ipynb']['page'] == 'index.html', 'the landing page must be index.html'
    probs = preview.check_build(site)
    assert not probs, f"the site's pages and sidebar:\n{_fmt(probs)}"


def test_internal_links_resolve(site):
    probs = preview.check_links(Path(site['out']), site, ROOT)
    assert not probs, f"broken internal links or anchors:\n{_fmt(probs)}"


def test_pages_render_in_chromium(site, capsys):
    t = time.time()
    probs, reports = preview.browser_check(Path(site['out']), ARTIFACTS)
    shots = sorted(ARTIFACTS.glob('*.png'))
    _say(capsys, f"site check: {len(reports)} pages in headless Chromium in {time.time() - t:.0f} s; "
                  f"screenshots: {', '.join(str(s) for s in shots)}")
    assert len(reports) == len(site['pages'])
    assert sum(r.get('images', 0) for r in reports.values()) > 0 and sum(r.get('math', 0) for r in reports.values()) > 0
    assert not probs, f"pages that do not render cleanly:\n{_fmt(probs)}"
    assert len(shots) >= 2


BAD = r"""## A page with every fault the checks look for

Unconvertible math: $\notacommand{x}$. A stray $$ sign. A LaTeX environment outside math:

\begin{align} a &= b \end{align}

![a figure that does not exist](missing.png) [no page](nowhere.html) [no anchor](good.html#nope) [here](#nope2)
[fine](good.html#a-good-section) [site, fine](https://example.org/site/good.html) [site, dead](https://example.org/site/gone.html)
A paper nobody wrote [@nosuchpaper2099].
"""
GOOD = """## A good section

Inline $x^2 + \\sqrt{y}$ and a figure ![dot](visattn-figure-0.png), as in SE [@hu2018squeeze].

$$\\operatorname{softmax}(QK^\\top / \\sqrt{d})V$$

```python
price = "$$ \\\\begin{x}"   # code is not checked for raw TeX
```
"""
DOT = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='


BIB = str(ROOT / 'nbs' / 'references.bib')


def test_bibliography_is_cited():
    "Every entry of nbs/references.bib is cited by some chapter (unknown keys fail the build as pandoc warnings)."
    import re
    keys = set(re.findall(r'^@\w+\{([^,]+),', Path(BIB).read_text(), re.M))
    cited = set()
    for nb in (ROOT / 'nbs').glob('*.ipynb'):
        cells = json.loads(nb.read_text())['cells']
        for c in cells:
            if c['cell_type'] == 'markdown': cited |= set(re.findall(r'\[[^\]]*@([\w:-]+)', ''.join(c['source'])))
    assert keys, 'no entries in nbs/references.bib'
    assert not keys - cited, f'entries no chapter cites: {sorted(keys - cited)}'


def test_checks_catch_broken_pages(site_tools, tmp_path):
    "Each check can fail: a page with every fault is reported fault by fault, a clean page is not."
    assets, out = tmp_path / 'assets', tmp_path / 'site'
    assets.mkdir(); out.mkdir()
    preview.write_assets(assets)
    warns = preview.render_page(BAD, out / 'bad.html', assets, {'title': 'Bad'}, site_url='https://example.org/site', bibliography=BIB)
    assert preview.render_page(GOOD, out / 'good.html', assets, {'title': 'Good'}, figs=[DOT], bibliography=BIB) == []
    assert any('notacommand' in w for w in warns), warns
    assert any('nosuchpaper2099' in w for w in warns), warns
    good = ' '.join((out / 'good.html').read_text().split())     # citeproc wraps long titles
    assert 'Squeeze-and-Excitation Networks' in good and 'References' in good, 'the cited paper is not listed'
    rec = dict(site_url='https://example.org/site', repo_url='https://github.com/o/r', branch='main')
    links = preview.check_links(out, rec, ROOT)
    assert not any(p.startswith('good.html') for p in links), links
    for frag in ("no page nowhere.html", "no anchor #nope", "no anchor #nope2", "no page gone.html", "no file missing.png", "#ref-nosuchpaper2099"):
        assert any(frag in p for p in links), (frag, links)
    assert len(links) == 6, links
    probs, reports = preview.browser_check(out)
    assert reports['good.html']['images'] == 1 and reports['good.html']['math'] == 2
    assert not [p for p in probs if p.startswith('good.html')], probs
    bad = [p for p in probs if p.startswith('bad.html')]
    for frag in ('could not convert', 'raw $$', 'raw \\begin', 'image does not load: missing.png'):
        assert any(frag in p for p in bad), (frag, bad)
    rec = dict(pages={'a.ipynb': dict(page='a.html', title='A', frontmatter=True),
                      '02_b.ipynb': dict(page='02_b.html', title=None, frontmatter=False)}, sidebar=['a.ipynb', 'c.ipynb'])
    build = preview.check_build(rec)
    for frag in ('02_b.ipynb: nbdev found no title cell', '02_b.ipynb is not in nbs/sidebar.yml', 'names c.ipynb'):
        assert any(frag in p for p in build), (frag, build)
