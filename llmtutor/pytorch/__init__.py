"""See it in PyTorch: each computation written with torch, its source shown to the learner.

Importing this package imports torch (slow), so the app imports it lazily, in a worker.
"""

from llmtutor.pytorch.views import VIEWS, View, ViewResult, inputs, run_view

__all__ = ["VIEWS", "View", "ViewResult", "inputs", "run_view"]
