"""Write README.md from nbs/index.ipynb without Quarto (nbdev-readme needs Quarto).

Markdown cells are copied as they are, code cells become fenced Python blocks followed by
their text output; cells flagged `#| hide` are left out and directive lines are dropped."""
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
            code = "\n".join(l for l in src.splitlines() if not l.startswith("#| ")).strip()
            if not code: continue
            parts.append(f"```python\n{code}\n```")
            out = _text_output(c)
            if out: parts.append(out if out.lstrip().startswith(("|", "<")) else f"```\n{out}\n```")
    return HEADER + "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    text = render(ROOT / "nbs" / "index.ipynb")
    readme = ROOT / "README.md"
    if not readme.exists() or readme.read_text() != text: readme.write_text(text)
