"""Write README.md from nbs/index.ipynb without Quarto (nbdev-readme needs Quarto).

Markdown cells are copied as they are, code cells become fenced Python blocks followed by
their text output; cells flagged `#| hide` are left out and directive lines are dropped. Cells flagged
`#| echo: false` show their figures only: each PNG output is written where nbdev's own README
puts it (index_files/figure-commonmark/) and linked from the README."""
import base64
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, then run `make sync`. -->\n\n"


def _src(cell): return "".join(cell["source"])


def _directives(src): return [l[3:].strip() for l in src.splitlines() if l.startswith("#| ")]


def _text_output(cell):
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream": out.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}) and "text/markdown" not in o["data"]:
            out.append("".join(o["data"]["text/plain"]))
        elif "text/markdown" in o.get("data", {}): out.append("".join(o["data"]["text/markdown"]))
    return "".join(out).rstrip("\n")


def _figures(cell, i, root=ROOT):
    "Write the PNG outputs of cell `i` under index_files/figure-commonmark/; return their paths relative to `root`."
    out = []
    for j, o in enumerate(o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})):
        f = Path("index_files/figure-commonmark") / f"cell-{i}-output-{j + 1}.png"
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        data = base64.b64decode("".join(o["data"]["image/png"]))
        if not (root / f).exists() or (root / f).read_bytes() != data: (root / f).write_bytes(data)
        out.append(f.as_posix())
    return out


def _title(md):
    "nbdev's title cell (`# Title` then `> summary`) becomes a heading and a paragraph."
    lines = md.splitlines()
    return "\n".join(l[2:] if l.startswith("> ") else l for l in lines)


def render(nb_path):
    cells, parts = json.loads(Path(nb_path).read_text())["cells"], []
    for i, c in enumerate(cells):
        src = _src(c)
        if c["cell_type"] == "markdown":
            parts.append(_title(src) if i == 0 else src)
        elif c["cell_type"] == "code":
            dirs = _directives(src)
            if any(d.startswith(("hide", "export", "exporti", "default_exp")) for d in dirs): continue
            if any(d.replace(" ", "") == "echo:false" for d in dirs):
                parts += [f"![]({f})" for f in _figures(c, i)]
                continue
            code = "\n".join(l for l in src.splitlines() if not l.startswith("#| ")).strip()
            if not code: continue
            parts.append(f"```python\n{code}\n```")
            out = _text_output(c)
            if out: parts.append(out if out.lstrip().startswith(("|", "<")) else f"```\n{out}\n```")
    return HEADER + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    text = render(ROOT / "nbs" / "index.ipynb")
    figs = ROOT / "index_files" / "figure-commonmark"
    for f in figs.glob("*.png") if figs.exists() else []:   # figures of cells that no longer have them
        if f"]({f.relative_to(ROOT).as_posix()})" not in text: f.unlink()
    readme = ROOT / "README.md"
    if not readme.exists() or readme.read_text() != text: readme.write_text(text)
