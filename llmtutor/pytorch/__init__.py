"""See it in PyTorch: each computation written with torch, its source shown to the learner.

Importing this package imports torch (slow), so the app imports it lazily, in a worker.
"""

from llmtutor.pytorch.views import NUDGE, VIEWS, View, ViewResult, agrees, inputs, run_view

__all__ = ["NUDGE", "VIEWS", "View", "ViewResult", "agrees", "inputs", "run_view"]
