"""pygal, imported once for every chart of this floor (SLO burn, assessment report).

pygal appends an old-style import hook (for its map plugins, which govcloud does not use) to
``sys.meta_path``; it has no ``find_spec``, so every later failed import warns (an error under
the tests' warning filters).  Importing pygal through this module takes the hook out again.
"""

from __future__ import annotations

import sys

import pygal
from pygal.style import Style

sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

__all__ = ["Style", "pygal"]
