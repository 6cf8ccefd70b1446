import os

from hypothesis import settings

# CI explores a fixed set of examples so a red run can be reproduced; locally each run explores new ones.
settings.register_profile('ci', derandomize=True, deadline=None, max_examples=12, print_blob=True)
settings.register_profile('dev', deadline=None, max_examples=12, print_blob=True)
settings.load_profile('ci' if os.environ.get('CI') else 'dev')
