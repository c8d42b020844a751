"""How many examples the property tests of tests/scoring and tests/geo try.

The full count by default. Under mutation testing (scripts/mutate sets BOAI_MUTATION_EXAMPLES)
every surviving-or-not mutant reruns the properties that cover it, so they try fewer examples,
from a fixed seed and without the example database: a mutant's verdict is then the same on
every run, so the list of equivalent mutants (mutation/equivalent.toml) stays stable.
"""

from __future__ import annotations

import os

from hypothesis import settings

_SCALE = os.environ.get("BOAI_MUTATION_EXAMPLES")

if _SCALE:
    settings.register_profile("mutation", derandomize=True, database=None, print_blob=False)
    settings.load_profile("mutation")


def examples(full: int) -> int:
    """`full` normally; under mutation that times the scale (at least 10)."""
    if not _SCALE:
        return full
    return max(10, round(full * float(_SCALE)))


def size(full: int) -> int:
    """A stress test's input size: `full` normally, a tenth of it under mutation (still far
    above the limits it checks) so a mutant's verdict takes a fraction of a second."""
    return full if not _SCALE else max(1, round(full * float(_SCALE)))
