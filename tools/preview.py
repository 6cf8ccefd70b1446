"""An offline preview of the docs site without Quarto, and the browser check that `make test` runs on it.

    python tools/preview.py [ROOT] [--out _preview] [--check] [--screenshots DIR]

1. nbdev's own notebook processing (tools/proc_docs.py: show_doc entries, directives, no Quarto) -> ROOT/_proc.
2. One standalone HTML page per notebook, named as Quarto names it (the frontmatter's `output-file`, which
   nbdev sets to the notebook name without its number prefix, else the notebook's stem): every cell becomes
   Pandoc markdown, Debian's `pandoc` renders it with MathML for equations, figures are embedded as data URIs,
   and each page gets a navigation sidebar built from nbs/sidebar.yml with its parts. Links to the site's own
   URL (nbdev.yml `site-url`) and to `*.ipynb` notebooks are rewritten to the preview's pages.
3. `--check`: every internal link and anchor resolves (checked from the HTML), and every page renders in headless
   Chromium, where a script injected into each page reports broken images, equations Pandoc could not convert
   or that render empty, raw `$$`/LaTeX/TeX-error text outside code, and script errors. `--screenshots DIR` keeps
   a screenshot of the landing page and of one chapter.

pandoc and chromium come from Debian; `ensure_tools` installs them with apt-get when they are missing."""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
APT_PACKAGES = {'pandoc': 'pandoc', 'chromium': 'chromium'}
CHROMIUM_NAMES = ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable')
SCREENSHOT_PAGES = ('index.html', 'cbam.html')
FIG_PREFIX = 'visattn-figure-'


# ---------------------------------------------------------------------------------------------------- tools
def find_chromium() -> str | None:
    "The headless browser: $CHROMIUM, else the first of Debian's and others' names on the PATH."
    if os.environ.get('CHROMIUM'): return shutil.which(os.environ['CHROMIUM'])
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def _have(tool): return find_chromium() if tool == 'chromium' else shutil.which(tool)


def ensure_tools(*tools:str) -> None:
    "Install the missing ones of `tools` ('pandoc', 'chromium') from Debian with apt-get; raise RuntimeError saying why not."
    missing = [t for t in tools if not _have(t)]
    if not missing: return
    if 'chromium' in missing and os.environ.get('CHROMIUM'):
        raise RuntimeError(f"CHROMIUM={os.environ['CHROMIUM']} is not an executable on the PATH")
    pkgs = [APT_PACKAGES[t] for t in missing]
    how = f"install them (Debian/Ubuntu: `apt-get install -y --no-install-recommends {' '.join(pkgs)}`)"
    if not shutil.which('apt-get'): raise RuntimeError(f"{', '.join(missing)} not found and no apt-get here: {how}")
    if os.geteuid() == 0: sudo = []
    elif shutil.which('sudo'): sudo = ['sudo', '-n']
    else: raise RuntimeError(f"{', '.join(missing)} not found; apt-get needs root and there is no sudo: {how}")
    print(f"{', '.join(missing)} not found: installing Debian's {' '.join(pkgs)} with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    install = sudo + ['apt-get', 'install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', *pkgs]
    res = subprocess.run(install, env=env, capture_output=True, text=True)
    if res.returncode != 0:   # stale or missing package lists: update once and try again
        upd = subprocess.run(sudo + ['apt-get', 'update', '-q'], env=env, capture_output=True, text=True)
        res = subprocess.run(install, env=env, capture_output=True, text=True)
        res.stdout = upd.stdout + upd.stderr + res.stdout
    still = [t for t in tools if not _have(t)]
    if res.returncode != 0 or still:
        raise RuntimeError(f"apt-get could not install {' '.join(pkgs)} (exit {res.returncode}); {how}.\n"
                           f"{(res.stdout + res.stderr)[-3000:]}")


# ---------------------------------------------------------------------------------------------------- notebooks -> markdown
def _src(cell): return ''.join(cell.get('source', ''))
def _txt(v): return ''.join(v) if isinstance(v, list) else str(v)
_re_ansi = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
_re_dir = re.compile(r'^#\|\s*([\w-]+)\s*(?::\s*(.*?))?\s*$')


def _fence(text, info=''):
    "A fenced code block longer than any backtick run inside `text`."
    n = max([3] + [len(m) + 1 for m in re.findall(r'`{3,}', text)])
    return f"{'`' * n}{info}\n{text.rstrip(chr(10))}\n{'`' * n}"


def _directives(src):
    "Quarto's `#| key: value` cell options at the top of a code cell, and the code without them."
    lines, opts = src.splitlines(), {}
    while lines and (m := _re_dir.match(lines[0])):
        opts[m.group(1)] = (m.group(2) or 'true').strip().strip('"\'').lower()
        lines.pop(0)
    return opts, '\n'.join(lines)


def _output_md(o, asis, figs):
    "One cell output as Pandoc markdown, choosing the richest format as Quarto does."
    ot = o.get('output_type')
    if ot == 'stream':
        return '::: {.cell-output .cell-output-%s}\n%s\n:::' % (o.get('name', 'stdout'), _fence(_re_ansi.sub('', _txt(o.get('text', '')))))
    if ot == 'error':
        tb = _re_ansi.sub('', '\n'.join(o.get('traceback', [])) or f"{o.get('ename')}: {o.get('evalue')}")
        return '::: {.cell-output .cell-output-error}\n%s\n:::' % _fence(tb)
    d = o.get('data', {})
    if asis and 'text/markdown' in d: return _txt(d['text/markdown'])
    for mime in ('image/png', 'image/jpeg', 'image/gif'):
        if mime in d:   # a placeholder: pandoc parses a long data URI slowly; `embed_figures` puts it back
            figs.append(f"data:{mime};base64,{re.sub(r'[^A-Za-z0-9+/=]', '', _txt(d[mime]))}")
            return '::: {.cell-output .cell-output-display}\n![](%s%d.png)\n:::' % (FIG_PREFIX, len(figs) - 1)
    if 'image/svg+xml' in d:
        return '::: {.cell-output .cell-output-display}\n```{=html}\n%s\n```\n:::' % _txt(d['image/svg+xml'])
    if 'text/html' in d:
        return '::: {.cell-output .cell-output-display}\n```{=html}\n%s\n```\n:::' % _txt(d['text/html']).strip()
    if 'text/markdown' in d: return '::: {.cell-output .cell-output-display}\n%s\n:::' % _txt(d['text/markdown'])
    if 'text/latex' in d: return '::: {.cell-output .cell-output-display}\n%s\n:::' % _txt(d['text/latex'])
    if 'text/plain' in d:
        return '::: {.cell-output .cell-output-display}\n%s\n:::' % _fence(_re_ansi.sub('', _txt(d['text/plain'])))
    return ''


def _cell_md(cell, lang, figs):
    if cell['cell_type'] == 'markdown': return _src(cell)
    if cell['cell_type'] != 'code': return ''
    opts, code = _directives(_src(cell))
    if opts.get('include') == 'false': return ''
    parts = []
    if opts.get('echo') != 'false' and code.strip(): parts.append(_fence(code, lang))
    if opts.get('output') != 'false':
        parts += [m for o in cell.get('outputs', []) if (m := _output_md(o, opts.get('output') == 'asis', figs))]
    if not parts: return ''
    return '::: {.cell}\n%s\n:::' % '\n\n'.join(parts)


def frontmatter(nb) -> dict:
    "nbdev's raw frontmatter cell (title, description, output-file), or {} when the notebook has none."
    cells = nb.get('cells', [])
    if cells and cells[0]['cell_type'] == 'raw':
        m = re.match(r'^\s*---\s*\n(.*?)\n---\s*$', _src(cells[0]).strip() + '\n', re.S)
        if m: return yaml.safe_load(m.group(1)) or {}
    return {}


def notebook_md(nb) -> tuple[str, list[str]]:
    "A processed notebook (frontmatter left out) as one Pandoc markdown document, and its figures as data URIs."
    lang = nb.get('metadata', {}).get('kernelspec', {}).get('language', 'python')
    cells = nb['cells'][1:] if frontmatter(nb) else nb['cells']
    figs = []
    return '\n\n'.join(m for c in cells if (m := _cell_md(c, lang, figs).strip())) + '\n', figs


def embed_figures(text, figs):
    "Put the figures' data URIs where `notebook_md` left placeholders."
    return re.sub(r'src="%s(\d+)\.png"' % re.escape(FIG_PREFIX), lambda m: f'src="{figs[int(m.group(1))]}"', text)


# ---------------------------------------------------------------------------------------------------- site
def page_name(nb_path, fm) -> str:
    "Quarto's output file: the frontmatter's `output-file` (nbdev strips the number prefix), else the stem."
    return fm.get('output-file') or Path(nb_path).with_suffix('.html').name


def _inline(md):
    "Titles in the sidebar: escape, then `code`."
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(str(md)))


def sidebar_tree(sidebar_yml:Path):
    "nbs/sidebar.yml as [('page', nb) | ('section', title, [...])]."
    def conv(items):
        out = []
        for it in items or []:
            if isinstance(it, str): out.append(('page', it))
            elif isinstance(it, dict) and 'section' in it:
                out.append(('section', it['section'], conv(it.get('contents', [])), it.get('href')))
            elif isinstance(it, dict) and 'href' in it: out.append(('page', it['href'], it.get('text')))
        return out
    y = yaml.safe_load(sidebar_yml.read_text()) or {}
    return conv(((y.get('website') or {}).get('sidebar') or {}).get('contents'))


def sidebar_files(tree):
    "Every notebook the sidebar names, in reading order."
    for it in tree:
        if it[0] == 'page': yield it[1]
        else:
            if it[3]: yield it[3]
            yield from sidebar_files(it[2])


CSS = r"""
:root { --side: 17rem; --toc: 14rem; --accent: #2780e3; --fg: #212529; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
#sidebar { position: fixed; top: 0; bottom: 0; left: 0; width: var(--side); overflow-y: auto; padding: 1rem 1rem 2rem;
  background: #f8f9fa; border-right: 1px solid #dee2e6; font-size: .9rem; }
#sidebar .site-title { display: block; font-size: 1.3rem; font-weight: 600; margin-bottom: .2rem; color: var(--fg); }
#sidebar .site-desc { color: #6c757d; font-size: .8rem; margin: 0 0 1rem; }
#sidebar ul { list-style: none; margin: 0; padding: 0; } #sidebar li { margin: .15rem 0; }
#sidebar .part { margin-top: .9rem; font-weight: 600; text-transform: uppercase; font-size: .75rem; letter-spacing: .04em; color: #6c757d; }
#sidebar .part > ul { text-transform: none; letter-spacing: 0; font-size: .9rem; font-weight: 400; margin-top: .3rem; }
#sidebar a { color: #343a40; display: block; padding: .1rem .4rem; border-radius: 4px; }
#sidebar a.active { background: var(--accent); color: #fff; }
#toc { position: fixed; top: 0; right: 0; width: var(--toc); padding: 1.2rem 1rem; font-size: .82rem; max-height: 100vh; overflow-y: auto; }
#toc ul { list-style: none; padding-left: .7rem; margin: 0; } #toc > nav > ul { padding-left: 0; }
#toc a { color: #495057; } #toc .toc-head { font-weight: 600; margin-bottom: .4rem; }
main { margin-left: var(--side); margin-right: var(--toc); padding: 1.5rem 2.5rem 4rem; max-width: calc(var(--side) + var(--toc) + 60rem); }
@media (max-width: 1100px) { #toc { display: none; } main { margin-right: 0; } }
@media (max-width: 760px) { #sidebar { position: static; width: auto; } main { margin-left: 0; padding: 1rem; } }
h1.title { margin: 0 0 .3rem; font-size: 2.1rem; } p.description { font-size: 1.2rem; color: #6c757d; font-style: italic; margin-top: 0; }
pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; }
:not(pre) > code { background: #f3f3f3; padding: 0 .2em; border-radius: 3px; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; } th, td { border-bottom: 1px solid #dee2e6; padding: .25rem .6rem; text-align: left; }
img { max-width: 100%; }
math[display="block"] { margin: .8rem 0; overflow-x: auto; overflow-y: hidden; }
.callout-note, .callout-warning, .callout-tip, .callout-important, .callout-caution { border-left: 4px solid var(--accent);
  background: #f4f8fd; padding: .5rem 1rem; margin: 1rem 0; border-radius: 0 4px 4px 0; }
.callout-warning, .callout-caution { border-color: #ff9800; background: #fff8ec; } .callout-important { border-color: #d9534f; background: #fdf2f2; }
.callout-note::before { content: "Note"; } .callout-warning::before { content: "Warning"; } .callout-tip::before { content: "Tip"; }
.callout-important::before { content: "Important"; } .callout-caution::before { content: "Caution"; }
[class^="callout-"]::before { display: block; font-weight: 600; font-size: .85rem; margin-bottom: .2rem; }
.cell-output-error pre { background: #fdf2f2; }
nav.page-nav { display: flex; justify-content: space-between; margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #dee2e6; }
.preview-banner { font-size: .75rem; color: #6c757d; margin-bottom: 1rem; }
"""

# Runs in every page: after load it writes what it found into <html data-site-check="...">, which
# `chromium --dump-dom` returns. Code, MathML and scripts are left out of the raw-TeX text scan.
CHECK_JS = r"""
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    errors.push(t && t !== window && (t.src || t.href) ? 'failed to load ' + String(t.src || t.href).slice(0, 100) : String(e.message));
  }, true);
  function run() {
    var r = {version: 1, errors: errors};
    var imgs = Array.prototype.slice.call(document.images);
    r.images = imgs.length;
    r.broken_images = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0); })
                          .map(function (i) { return (i.getAttribute('src') || '').slice(0, 80); });
    var maths = Array.prototype.slice.call(document.querySelectorAll('main math'));
    r.math = maths.length;
    r.math_empty = maths.filter(function (m) { var b = m.getBoundingClientRect(); return !(b.width > 0 && b.height > 0); })
                        .map(function (m) { return m.textContent.slice(0, 60); });
    r.math_unconverted = Array.prototype.slice.call(document.querySelectorAll('main span.math'))
                              .map(function (s) { return s.textContent.slice(0, 120); });
    var skip = {PRE: 1, CODE: 1, SCRIPT: 1, STYLE: 1, MATH: 1, ANNOTATION: 1, TEXTAREA: 1};
    var pats = [[/\$\$/, 'raw $$'], [/\\begin\{|\\end\{/, 'raw \\begin/\\end'], [/TeX parse error|Math input error|Could not convert TeX/i, 'TeX error text'],
                [/\\(frac|sqrt|mathbb|mathrm|mathcal|mathbf|operatorname|sum|prod|cdot|times|alpha|beta|sigma|odot|otimes|left|right|in)\b/, 'raw LaTeX command'],
                [/\$[^\s$][^$]{0,80}\\[A-Za-z]+/, 'unrendered $...$ math']];
    r.raw_tex = [];
    var main = document.querySelector('main') || document.body;
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {acceptNode: function (n) {
      for (var p = n.parentNode; p && p !== main; p = p.parentNode) if (skip[(p.nodeName || '').toUpperCase()]) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT; }});
    var n, block = null, text = '';
    var blocks = [];
    while ((n = walker.nextNode())) {
      var b = n.parentNode.closest('p, li, td, th, h1, h2, h3, h4, h5, h6, div, dd, dt, blockquote');
      if (b !== block) { if (text) blocks.push(text); block = b; text = ''; }
      text += n.nodeValue;
    }
    if (text) blocks.push(text);
    blocks.forEach(function (t) { pats.forEach(function (p) {
      var m = t.match(p[0]);
      if (m) { var i = Math.max(0, m.index - 40); r.raw_tex.push(p[1] + ': ...' + t.slice(i, m.index + 60).replace(/\s+/g, ' ') + '...'); }
    }); });
    var h1 = document.querySelector('main h1.title');
    r.title = h1 ? h1.textContent.trim() : '';
    r.height = document.documentElement.scrollHeight;
    r.main_width = main.getBoundingClientRect().width;
    document.documentElement.setAttribute('data-site-check', JSON.stringify(r));
  }
  window.addEventListener('load', function () { setTimeout(run, 0); });
})();
"""

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$pagetitle$</title>
<style>
$highlighting-css$
</style>
$for(header-includes)$
$header-includes$
$endfor$
</head>
<body>
$for(include-before)$
$include-before$
$endfor$
$if(toc)$
<aside id="toc"><div class="toc-head">On this page</div>
$table-of-contents$
</aside>
$endif$
<main>
<div class="preview-banner">Offline preview (pandoc + MathML); the published site is built by Quarto.</div>
$if(title)$
<h1 class="title">$title$</h1>
$endif$
$if(description)$
<p class="description">$description$</p>
$endif$
$body$
$for(include-after)$
$include-after$
$endfor$
</main>
</body>
</html>
"""


def _site_settings(root:Path):
    "site-url, repository URL and branch from nbs/nbdev.yml (written by nbdev from pyproject.toml)."
    from nbdev.config import get_config
    cfg = get_config(root)
    ny = yaml.safe_load((cfg.nbs_path / 'nbdev.yml').read_text()) if (cfg.nbs_path / 'nbdev.yml').exists() else {}
    web = (ny or {}).get('website', {})
    site = (web.get('site-url') or f"{cfg.get('doc_host', '')}{cfg.get('doc_baseurl', '')}").rstrip('/')
    qy = yaml.safe_load((cfg.nbs_path / '_quarto.yml').read_text()) if (cfg.nbs_path / '_quarto.yml').exists() else {}
    bib = (qy or {}).get('bibliography')   # the file Quarto cites from, relative to nbs/
    return dict(cfg=cfg, site_url=site, title=web.get('title') or cfg.get('title', cfg.lib_name),
                bibliography=str(cfg.nbs_path / bib) if bib else None,
                reference_title=(qy or {}).get('reference-section-title', 'References'),
                description=web.get('description', ''), repo_url=(web.get('repo-url') or cfg.get('git_url', '')).rstrip('/'),
                branch=web.get('repo-branch') or cfg.get('branch', 'main'))


def _rewrite_links(text, site_url, nb_pages):
    "Links to the published site and to notebooks point at the preview's pages."
    def fix(m):
        attr, url = m.group(1), html.unescape(m.group(2))
        if site_url and (url == site_url or url.startswith(site_url + '/') or url.startswith(site_url + '#')):
            url = url[len(site_url):].lstrip('/') or 'index.html'
            if url.startswith('#'): url = 'index.html' + url
        path, frag = (url.split('#', 1) + [''])[:2]
        if not re.match(r'^[a-z][a-z0-9+.-]*:', path) and path.endswith('.ipynb'):
            path = nb_pages.get(Path(path).name, path)
        url = path + ('#' + frag if frag else '') if (path or frag) else url
        return f'{attr}="{html.escape(url, quote=True)}"'
    return re.sub(r'\b(href)="([^"]*)"', fix, text)


def _nav_html(tree, pages, current, settings):
    "The sidebar: the site title, then the sidebar's pages and parts, the current page marked."
    def link(nb, text=None):
        p = pages.get(Path(nb).name)
        if p is None: return f'<li><span class="missing">{html.escape(nb)} (no such notebook)</span></li>'
        cls = ' class="active" aria-current="page"' if p['page'] == current else ''
        return f'<li><a href="{p["page"]}"{cls}>{_inline(text or p["title"] or p["page"])}</a></li>'
    def walk(items):
        out = []
        for it in items:
            if it[0] == 'page': out.append(link(it[1], it[2] if len(it) > 2 else None))
            else:
                head = (f'<a href="{pages[Path(it[3]).name]["page"]}">{_inline(it[1])}</a>' if it[3] and Path(it[3]).name in pages
                        else _inline(it[1]))
                out.append(f'<li class="part">{head}<ul>{"".join(walk(it[2]))}</ul></li>')
        return out
    return (f'<nav id="sidebar" aria-label="chapters"><a class="site-title" href="index.html">{html.escape(settings["title"])}</a>'
            f'<p class="site-desc">{html.escape(settings["description"])}</p><ul>{"".join(walk(tree))}</ul></nav>')


def _pager(order, pages, current):
    names = [pages[n]['page'] for n in order if n in pages]
    if current not in names: return ''
    i = names.index(current)
    by_page = {p['page']: p for p in pages.values()}
    prev = f'<a href="{names[i-1]}" rel="prev">&larr; {_inline(by_page[names[i-1]]["title"] or names[i-1])}</a>' if i > 0 else '<span></span>'
    nxt = f'<a href="{names[i+1]}" rel="next">{_inline(by_page[names[i+1]]["title"] or names[i+1])} &rarr;</a>' if i + 1 < len(names) else '<span></span>'
    return f'<nav class="page-nav">{prev}{nxt}</nav>'


def write_assets(tmp:Path, styles:Path|None=None):
    "The pandoc template and the head every page shares (CSS, the project's nbs/styles.css, the check script) into `tmp`."
    css = CSS + '\n' + (styles.read_text() if styles and styles.exists() else '')
    (tmp / 'template.html').write_text(TEMPLATE)
    (tmp / 'head.html').write_text(f'<style>\n{css}\n</style>\n<script>\n{CHECK_JS}\n</script>\n')


def render_page(md:str, out_html:Path, tmp:Path, meta:dict, figs=(), before='', after='', site_url='', nb_pages=None, bibliography=None) -> list[str]:
    "Render one markdown document to `out_html` with the assets in `tmp`; return pandoc's warnings."
    return _render_page(((md, list(figs)), meta, before, after, str(out_html), str(tmp), dict(site_url=site_url, bibliography=bibliography), nb_pages or {}))


def _render_page(args):
    (md, figs), meta, before, after, out_html, tmp, settings, nb_pages = args
    tmp = Path(tmp)
    stem = Path(out_html).stem
    (tmp / f'{stem}.md').write_text(md)
    (tmp / f'{stem}.meta.yml').write_text(yaml.safe_dump(meta, allow_unicode=True))
    (tmp / f'{stem}.before.html').write_text(before)
    (tmp / f'{stem}.after.html').write_text(after)
    # raw_tex off: a LaTeX environment outside $$ shows as text (and fails the check) instead of vanishing
    cmd = ['pandoc', f'{stem}.md', '-f', 'markdown-yaml_metadata_block-raw_tex', '-t', 'html5', '-s', '--mathml',
           '--template', 'template.html', '--metadata-file', f'{stem}.meta.yml', '--toc', '--toc-depth=2',
           '--highlight-style=pygments', '-H', 'head.html', '-B', f'{stem}.before.html', '-A', f'{stem}.after.html',
           '-o', f'{stem}.html']
    if settings.get('bibliography'):   # citations [@key] resolved as Quarto resolves them; an unknown key is a warning
        cmd += ['--citeproc', '--bibliography', settings['bibliography'], '-M', 'link-citations=true',
                '-M', f"reference-section-title={settings.get('reference_title', 'References')}"]
    res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if res.returncode != 0: raise RuntimeError(f"pandoc failed on {out_html}:\n{res.stderr}")
    text = embed_figures(_rewrite_links((tmp / f'{stem}.html').read_text(), settings['site_url'], nb_pages), figs)
    Path(out_html).write_text(text)
    return [w for w in re.split(r'\n(?=\[WARNING\])', res.stderr.strip()) if w]


def build(root:Path=ROOT, out:Path|None=None, proc:bool=True, workers:int=2) -> dict:
    "Process the notebooks with nbdev and write one HTML page per notebook into `out`; return the build's record."
    root = Path(root).resolve()
    out = Path(out or root / '_preview').resolve()
    ensure_tools('pandoc')
    t0 = time.time()
    if proc:
        res = subprocess.run([sys.executable, str(Path(__file__).with_name('proc_docs.py')), str(root)],
                             capture_output=True, text=True)
        if res.returncode != 0: raise RuntimeError(f"nbdev's notebook processing failed:\n{res.stdout}\n{res.stderr}")
    t_proc = time.time() - t0
    settings = _site_settings(root)
    cfg = settings['cfg']
    procdir = cfg.config_path / '_proc'
    nbs = sorted(p for p in cfg.nbs_path.glob('*.ipynb') if not p.name.startswith(('_', '.')))
    pages = {}
    for nb in nbs:
        proc_nb = procdir / nb.name
        if not proc_nb.exists(): raise RuntimeError(f"{nb.name} was not processed: no {proc_nb}")
        d = json.loads(proc_nb.read_text())
        fm = frontmatter(d)
        pages[nb.name] = dict(nb=nb.name, page=page_name(nb, fm), title=fm.get('title'), description=fm.get('description'),
                              frontmatter=bool(fm), data=d)
    nb_pages = {k: v['page'] for k, v in pages.items()}
    sidebar_yml = cfg.nbs_path / 'sidebar.yml'
    tree = sidebar_tree(sidebar_yml) if sidebar_yml.exists() else [('page', n) for n in pages]
    order = [Path(f).name for f in sidebar_files(tree)]
    order += [n for n in pages if n not in order]
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_assets(tmp, cfg.nbs_path / 'styles.css')
        jobs = []
        for name, p in pages.items():
            meta = {'pagetitle': f"{p['title'] or p['page']} – {settings['title']}"}
            if p['title']: meta['title'] = p['title']
            if p['description']: meta['description'] = p['description']
            jobs.append((notebook_md(p['data']), meta, _nav_html(tree, pages, p['page'], settings), _pager(order, pages, p['page']),
                         str(out / p['page']), str(tmp), settings, nb_pages))
        with cf.ThreadPoolExecutor(max(1, workers)) as ex: warns = list(ex.map(_render_page, jobs))
    for p, w in zip(pages.values(), warns): p['pandoc_warnings'] = w
    # local images referenced from markdown (figures are otherwise embedded as data URIs)
    for p in pages.values():
        for src in re.findall(r'<img[^>]*\ssrc="([^"]+)"', (out / p['page']).read_text()):
            src = html.unescape(src)
            if re.match(r'^[a-z][a-z0-9+.-]*:', src) or src.startswith('/'): continue
            f = (cfg.nbs_path / src.split('#')[0].split('?')[0])
            if f.is_file() and not (out / src).exists():
                (out / src).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, out / src)
    record = dict(out=str(out), seconds_proc=round(t_proc, 1), seconds_total=round(time.time() - t0, 1), site_url=settings['site_url'],
                  repo_url=settings['repo_url'], branch=settings['branch'], order=order,
                  sidebar=[Path(f).name for f in sidebar_files(tree)],
                  pages={k: {kk: vv for kk, vv in v.items() if kk != 'data'} for k, v in pages.items()})
    (out / '_build.json').write_text(json.dumps(record, indent=1))
    return record


# ---------------------------------------------------------------------------------------------------- checks
class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.ids, self.links = set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ('id', 'name'):
            if a.get(k) and (k == 'id' or tag == 'a'): self.ids.add(a[k])
        if tag == 'a' and a.get('href') is not None: self.links.append(('a', a['href']))
        if tag in ('img', 'script', 'iframe') and a.get('src'): self.links.append((tag, a['src']))
        if tag == 'link' and a.get('href'): self.links.append((tag, a['href']))


def _parse(path:Path):
    p = _Links(); p.feed(path.read_text()); return p


def check_build(record:dict) -> list[str]:
    "Problems found while building: notebooks without a title or output name, sidebar mismatches, pandoc warnings."
    probs, pages = [], record['pages']
    for nb, p in pages.items():
        if not p['frontmatter']:
            probs.append(f"{nb}: nbdev found no title cell (the first cell must be markdown starting '# Title' then '> description'), "
                         f"so the page has no title and Quarto would name it {p['page']}")
        elif not p['title']: probs.append(f"{nb}: no title in its frontmatter")
        for w in p.get('pandoc_warnings', []): probs.append(f"{p['page']} ({nb}): pandoc: {' '.join(w.split())[:300]}")
    side = record['sidebar']
    for nb in pages:
        if nb not in side: probs.append(f"{nb} is not in nbs/sidebar.yml (custom_sidebar = true): add it to its part")
    for nb in side:
        if nb not in pages: probs.append(f"nbs/sidebar.yml names {nb}, which is not a notebook in nbs/")
    dup = {p['page'] for p in pages.values() if [q['page'] for q in pages.values()].count(p['page']) > 1}
    if dup: probs.append(f"two notebooks render to the same page: {sorted(dup)}")
    return probs


def check_links(out:Path, record:dict|None=None, repo_root:Path|None=None) -> list[str]:
    "Every internal link (relative, or under the site URL) names an existing page and an existing anchor; links into the repository name existing files and lines."
    out = Path(out)
    record = record or json.loads((out / '_build.json').read_text())
    site, repo, branch = record['site_url'], record['repo_url'], record['branch']
    parsed = {p.name: _parse(p) for p in sorted(out.glob('*.html'))}
    probs, missing = [], {}   # the same broken link repeated on a page is reported once, with its count
    for page, pr in parsed.items():
        for tag, url in pr.links:
            url = url.strip()
            if url.startswith(('data:', 'mailto:', 'javascript:')): continue
            if site and url.startswith(site):
                url = url[len(site):].lstrip('/') or 'index.html'
            if repo and (url.startswith(f'{repo}/blob/{branch}/') or url.startswith(f'{repo}/tree/{branch}/')):
                if not repo_root: continue
                rel, _, frag = url.split(f'/{branch}/', 1)[1].partition('#')
                f = Path(repo_root) / rel
                if not f.exists(): probs.append(f"{page}: link to {url}: no {rel} in the repository")
                elif (m := re.fullmatch(r'L(\d+)(?:-L\d+)?', frag)) and f.is_file() and int(m.group(1)) > len(f.read_text().splitlines()):
                    probs.append(f"{page}: link to {url}: {rel} has only {len(f.read_text().splitlines())} lines")
                continue
            if re.match(r'^[a-z][a-z0-9+.-]*:', url) or url.startswith('//'): continue   # external
            path, _, frag = url.partition('#')
            path = path.split('?')[0]
            target = page if not path else os.path.normpath(os.path.join(os.path.dirname(page), path))
            if not path and not frag: continue
            if not (out / target).exists():
                missing.setdefault((page, target), []).append(url); continue
            if frag and target.endswith('.html'):
                tp = parsed.get(target) or _parse(out / target)
                if frag not in tp.ids and html.unescape(frag) not in tp.ids:
                    probs.append(f"{page}: link {url!r}: {target} has no anchor #{frag}")
    for (page, target), urls in missing.items():
        frags = sorted({u.partition('#')[2] for u in urls} - {''})
        what = 'page' if target.endswith('.html') else 'file'
        probs.append(f"{page}: {len(urls)} link(s) to {target}" + (f" (#{', #'.join(frags)})" if frags else '') + f": no {what} {target} in the site")
    counts = {}
    for p in probs: counts[p] = counts.get(p, 0) + 1
    return [p + (f' ({n} links)' if n > 1 else '') for p, n in counts.items()]


def _chromium_cmd(url, *extra):
    return [find_chromium(), '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
            '--disable-background-networking', '--disable-extensions', '--no-first-run', '--mute-audio',
            '--hide-scrollbars', f'--user-data-dir={tempfile.mkdtemp(prefix="visattn-chromium-")}',
            '--virtual-time-budget=5000', '--window-size=1280,1600', *extra, url]


def _run_chromium(cmd, timeout=90):
    try: return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        udd = next(a.split('=', 1)[1] for a in cmd if a.startswith('--user-data-dir='))
        shutil.rmtree(udd, ignore_errors=True)


def _browse(page:Path) -> dict:
    "Load `page` in headless Chromium and return what the injected check script wrote into the DOM."
    for attempt in range(2):
        t = time.time()
        try: res = _run_chromium(_chromium_cmd(page.as_uri(), '--dump-dom'))
        except subprocess.TimeoutExpired:
            err = 'chromium timed out'; continue
        m = re.search(r'<html[^>]*\sdata-site-check="([^"]*)"', res.stdout)
        if m:
            r = json.loads(html.unescape(m.group(1)))
            r['seconds'] = round(time.time() - t, 2)
            return r
        err = f"chromium exit {res.returncode}; the page's check script did not report (page did not load or render)\n{res.stderr[-1500:]}"
    return {'fatal': err}


def browser_check(out:Path, screenshots:Path|None=None, workers:int=2, shots=SCREENSHOT_PAGES) -> tuple[list[str], dict]:
    "Render every page of `out` in headless Chromium; return (problems, per-page reports). Keep screenshots of `shots` in `screenshots`."
    ensure_tools('chromium')
    out = Path(out)
    pages = sorted(out.glob('*.html'))
    with cf.ThreadPoolExecutor(max(1, workers)) as ex: reports = dict(zip((p.name for p in pages), ex.map(_browse, pages)))
    probs = []
    for name, r in reports.items():
        if 'fatal' in r: probs.append(f"{name}: {r['fatal']}"); continue
        if not r['title']: probs.append(f"{name}: the page has no title heading")
        probs += [f"{name}: image does not load: {s}" for s in r['broken_images']]
        probs += [f"{name}: equation pandoc could not convert (shown as raw TeX): {s}" for s in r['math_unconverted']]
        probs += [f"{name}: equation renders empty in the browser: {s}" for s in r['math_empty']]
        probs += [f"{name}: {s}" for s in r['raw_tex']]
        probs += [f"{name}: script or resource error: {s}" for s in r['errors']]
        if r['height'] < 200 or r['main_width'] < 300: probs.append(f"{name}: page did not lay out (height {r['height']}, width {r['main_width']})")
    if screenshots:
        screenshots = Path(screenshots); screenshots.mkdir(parents=True, exist_ok=True)
        names = [s for s in shots if (out / s).exists()]
        if len(names) < 2: names += [p.name for p in pages if p.name not in names][:2 - len(names)]
        for n in names:
            png = screenshots / n.replace('.html', '.png')
            png.unlink(missing_ok=True)
            res = _run_chromium(_chromium_cmd((out / n).as_uri(), f'--screenshot={png}'))
            if not png.exists() or png.stat().st_size < 1000: probs.append(f"{n}: no screenshot (chromium exit {res.returncode}): {res.stderr[-500:]}")
        (screenshots / 'report.json').write_text(json.dumps(reports, indent=1))
    return probs, reports


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('root', nargs='?', default=str(ROOT), help='project root (default: this repository)')
    ap.add_argument('--out', default=None, help='output folder (default: ROOT/_preview)')
    ap.add_argument('--no-proc', action='store_true', help="reuse ROOT/_proc instead of running nbdev's processing")
    ap.add_argument('--check', action='store_true', help='check links and render every page in headless Chromium')
    ap.add_argument('--screenshots', default=None, help='with --check: keep screenshots of two pages here')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args(argv)
    try: rec = build(Path(a.root), Path(a.out) if a.out else None, proc=not a.no_proc, workers=a.workers)
    except RuntimeError as e: sys.exit(f"preview: {e}")
    print(f"preview: {len(rec['pages'])} pages in {rec['out']} ({rec['seconds_total']} s, nbdev processing {rec['seconds_proc']} s); "
          f"open {rec['out']}/index.html")
    probs = check_build(rec)
    if a.check:
        probs += check_links(Path(rec['out']), rec, Path(a.root))
        t = time.time()
        try: bprobs, _ = browser_check(Path(rec['out']), a.screenshots and Path(a.screenshots), workers=a.workers)
        except RuntimeError as e: sys.exit(f"preview: {e}")
        probs += bprobs
        print(f"browser check: {len(rec['pages'])} pages in {time.time() - t:.1f} s" + (f"; screenshots in {a.screenshots}" if a.screenshots else ''))
    for p in probs: print('PROBLEM', p)
    if a.check and probs: sys.exit(1)


if __name__ == '__main__':
    main()
