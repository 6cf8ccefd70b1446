__version__ = "0.0.1"

import warnings as _warnings
# fastai's import calls torch.jit.script, which torch >= 2.10 deprecates; the warning is about fastai, not
# about the user's code, and would otherwise open every chapter and every `visattn` command.
_warnings.filterwarnings('ignore', '`torch.jit.script` is deprecated', FutureWarning)
