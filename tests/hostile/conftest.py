"""Hypothesis profiles for the hostile-input suite: `ci` (the default, sized for `make test`) and `deep`.

`HYPOTHESIS_PROFILE=deep` runs many more examples of every property (see hostile_kit.examples). Both are
derandomized (the same examples every run, no example database) and have no deadline: a slow example on a
busy machine is not a failure, a hang is caught by the size bounds the properties assert instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

for _name, _examples in (("ci", 40), ("deep", 2000)):
    settings.register_profile(_name, max_examples=_examples, deadline=None, derandomize=True, database=None,
                              print_blob=True, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# the worlds and factories the other suites built, reused rather than copied (their folders are not packages)
for _kit in ("mappings", "webhooks", "flows"):
    if str(Path(__file__).parent.parent / _kit) not in sys.path:
        sys.path.append(str(Path(__file__).parent.parent / _kit))
