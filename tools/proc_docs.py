"""Run nbdev's docs processing (show_doc, directives, sidebar) without Quarto.

Usage: python tools/proc_docs.py PROJECT_DIR  ->  PROJECT_DIR/_proc/*.ipynb"""
import os
import sys
from pathlib import Path


def main(root):
    os.chdir(root)
    from nbdev.config import get_config
    from nbdev.doclinks import _build_modidx
    from nbdev.quarto import nbdev_sidebar, refresh_quarto_yml
    from nbdev.serve import proc_nbs
    cfg = get_config()
    os.chdir(cfg.config_path)
    refresh_quarto_yml()
    _build_modidx()
    nbdev_sidebar.__wrapped__()
    cache = proc_nbs(n_workers=0)
    print(f"processed notebooks in {cache}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
